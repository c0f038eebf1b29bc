package org.mydata.operator.programme;

import java.util.List;

/**
 * A programme as an administrator describes it, before the operator has checked and stored it. {@code promises}
 * are {@link Promise} codes; none is fine.
 */
public record NewProgramme(String name, String description, String organisation, List<String> purposes,
                           DataScope scope, String termsUri, String termsVersion, List<String> stewards,
                           List<String> promises) {

    public NewProgramme(String name, String description, String organisation, List<String> purposes,
                        DataScope scope, String termsUri, String termsVersion, List<String> stewards) {
        this(name, description, organisation, purposes, scope, termsUri, termsVersion, stewards, null);
    }
}
