package org.mydata.operator.programme;

import java.util.List;
import java.util.UUID;

/**
 * A programme as an administrator describes it, before the operator has checked and stored it. {@code promises}
 * are {@link Promise} codes; none is fine.
 *
 * @param legalBasis {@code consent} (the default when null), {@code ehds-secondary-use} or {@code public-interest}
 * @param sourceIds  the sources an opt-out programme reads (required for one, refused for a consent programme)
 * @param accessModes the access modes it offers ({@code statistics}, {@code records}); both when null
 * @param disclosure  its disclosure-control settings; {@link DisclosureSettings#DEFAULTS} when null
 */
public record NewProgramme(String name, String description, String organisation, List<String> purposes,
                           DataScope scope, String termsUri, String termsVersion, List<String> stewards,
                           List<String> promises, String legalBasis, List<UUID> sourceIds, List<String> accessModes,
                           DisclosureSettings disclosure) {

    /** A programme on the given basis, with its promises, offering both access modes under the default settings. */
    public NewProgramme(String name, String description, String organisation, List<String> purposes,
                        DataScope scope, String termsUri, String termsVersion, List<String> stewards,
                        List<String> promises, String legalBasis, List<UUID> sourceIds) {
        this(name, description, organisation, purposes, scope, termsUri, termsVersion, stewards, promises, legalBasis,
                sourceIds, null, null);
    }

    /** A programme resting on consent, without promises. */
    public NewProgramme(String name, String description, String organisation, List<String> purposes,
                        DataScope scope, String termsUri, String termsVersion, List<String> stewards) {
        this(name, description, organisation, purposes, scope, termsUri, termsVersion, stewards, null, null, null);
    }

    /** A programme resting on consent, with its promises. */
    public NewProgramme(String name, String description, String organisation, List<String> purposes,
                        DataScope scope, String termsUri, String termsVersion, List<String> stewards,
                        List<String> promises) {
        this(name, description, organisation, purposes, scope, termsUri, termsVersion, stewards, promises, null, null);
    }

    /** A programme on the given basis, without promises. */
    public NewProgramme(String name, String description, String organisation, List<String> purposes,
                        DataScope scope, String termsUri, String termsVersion, List<String> stewards,
                        String legalBasis, List<UUID> sourceIds) {
        this(name, description, organisation, purposes, scope, termsUri, termsVersion, stewards, null, legalBasis,
                sourceIds);
    }
}
