package org.mydata.operator.programme;

import java.util.List;
import java.util.UUID;

/**
 * A programme as an administrator describes it, before the operator has checked and stored it.
 *
 * @param legalBasis {@code consent} (the default when null), {@code ehds-secondary-use} or {@code public-interest}
 * @param sourceIds  the sources an opt-out programme reads (required for one, refused for a consent programme)
 */
public record NewProgramme(String name, String description, String organisation, List<String> purposes,
                           DataScope scope, String termsUri, String termsVersion, List<String> stewards,
                           String legalBasis, List<UUID> sourceIds) {

    /** A programme resting on consent. */
    public NewProgramme(String name, String description, String organisation, List<String> purposes,
                        DataScope scope, String termsUri, String termsVersion, List<String> stewards) {
        this(name, description, organisation, purposes, scope, termsUri, termsVersion, stewards, null, null);
    }
}
