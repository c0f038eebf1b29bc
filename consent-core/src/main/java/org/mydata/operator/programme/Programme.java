package org.mydata.operator.programme;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.mydata.operator.release.AccessMode;
import org.mydata.operator.release.LegalBasis;

/**
 * A data-donor programme: who runs it, for what, which data, on which terms, who decides its requests, what
 * it promises its donors, and the legal basis it rests on. Under {@link LegalBasis#CONSENT} persons join by
 * consenting, through the links they choose; under an opt-out basis everyone linked at {@code sourceIds} is
 * included unless they opt out.
 *
 * @param sourceIds the sources an opt-out programme reads; empty for a consent programme (the person's consent
 *                  names its sources)
 * @param accessModes how its researchers may receive data ({@link AccessMode}): a data request asks for one of
 *                    these, a consent allows some of them; both when not given (every programme before access modes)
 * @param disclosure  its disclosure-control settings; {@link DisclosureSettings#DEFAULTS} when not given
 */
public record Programme(UUID id, String name, String description, String organisation, List<Purpose> purposes,
                        DataScope scope, URI termsUri, String termsVersion, List<String> stewards, Instant createdAt,
                        List<Promise> promises, LegalBasis legalBasis, List<UUID> sourceIds,
                        List<AccessMode> accessModes, DisclosureSettings disclosure) {
    /** What a programme offers that declares no modes: both, as every programme did before access modes. */
    public static final List<AccessMode> ALL_MODES = List.of(AccessMode.values());

    public Programme {
        Objects.requireNonNull(id, "id");
        purposes = List.copyOf(purposes);
        stewards = List.copyOf(stewards);
        promises = promises == null ? List.of() : List.copyOf(promises);
        legalBasis = legalBasis == null ? LegalBasis.CONSENT : legalBasis;
        sourceIds = sourceIds == null ? List.of() : List.copyOf(sourceIds);
        accessModes = accessModes == null || accessModes.isEmpty() ? ALL_MODES
                : java.util.Arrays.stream(AccessMode.values()).filter(accessModes::contains).toList();
        disclosure = disclosure == null ? DisclosureSettings.DEFAULTS : disclosure;
    }

    /** A programme on the given basis, with its promises, offering both access modes under the default settings. */
    public Programme(UUID id, String name, String description, String organisation, List<Purpose> purposes,
                     DataScope scope, URI termsUri, String termsVersion, List<String> stewards, Instant createdAt,
                     List<Promise> promises, LegalBasis legalBasis, List<UUID> sourceIds) {
        this(id, name, description, organisation, purposes, scope, termsUri, termsVersion, stewards, createdAt,
                promises, legalBasis, sourceIds, null, null);
    }

    /** A programme resting on consent that declares no promises. */
    public Programme(UUID id, String name, String description, String organisation, List<Purpose> purposes,
                     DataScope scope, URI termsUri, String termsVersion, List<String> stewards, Instant createdAt) {
        this(id, name, description, organisation, purposes, scope, termsUri, termsVersion, stewards, createdAt,
                List.of(), LegalBasis.CONSENT, List.of());
    }

    /** A programme resting on consent, with its promises. */
    public Programme(UUID id, String name, String description, String organisation, List<Purpose> purposes,
                     DataScope scope, URI termsUri, String termsVersion, List<String> stewards, Instant createdAt,
                     List<Promise> promises) {
        this(id, name, description, organisation, purposes, scope, termsUri, termsVersion, stewards, createdAt,
                promises, LegalBasis.CONSENT, List.of());
    }

    /** A programme on the given basis that declares no promises. */
    public Programme(UUID id, String name, String description, String organisation, List<Purpose> purposes,
                     DataScope scope, URI termsUri, String termsVersion, List<String> stewards, Instant createdAt,
                     LegalBasis legalBasis, List<UUID> sourceIds) {
        this(id, name, description, organisation, purposes, scope, termsUri, termsVersion, stewards, createdAt,
                List.of(), legalBasis, sourceIds);
    }

    public boolean isOptOut() {
        return legalBasis.isOptOut();
    }

    /**
     * The same programme in other words (a translation of its name, description and organisation for a reader):
     * everything else, its terms and legal basis included, stays as registered.
     */
    public Programme inOtherWords(String name, String description, String organisation) {
        return new Programme(id, name, description, organisation, purposes, scope, termsUri, termsVersion, stewards,
                createdAt, promises, legalBasis, sourceIds, accessModes, disclosure);
    }

    /**
     * Whether a data request or a consent may ask for the mode: the programme offers it, or offers records, which
     * imply statistics.
     */
    public boolean offers(AccessMode mode) {
        return mode.isAllowedBy(accessModes);
    }

    /** The purposes a consent may give: each must be one of the programme's or narrower. */
    public boolean allowsPurpose(Purpose purpose) {
        return purposes.stream().anyMatch(p -> p.covers(purpose));
    }
}
