package org.mydata.operator.programme;

import java.util.List;

/** A programme as an administrator describes it, before the operator has checked and stored it. */
public record NewProgramme(String name, String description, String organisation, List<String> purposes,
                           DataScope scope, String termsUri, String termsVersion, List<String> stewards) {
}
