package org.mydata.operator.consent;

import org.mydata.operator.verify.consent.ConsentStatus;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.ConsentModes;
import org.mydata.operator.verify.release.ConsentInForce;
import org.mydata.operator.verify.release.Validity;

/**
 * A consent record (CR) with its status chain, oldest first. The CR itself never changes; every
 * change of status is a new status record appended to the chain.
 *
 * @param accessModes the modes the person allowed: statistics only, or statistics and records (a consent given
 *                    before access modes: both, see {@link ConsentModes})
 * @param programmeVersion the version of the programme's terms the person signed (amend; null: version 1, as for
 *                         every consent given before programmes had versions)
 * @param programmeTermsSha256 the hash of that version's terms as the record states it; null before versions
 * @param replaces the consent this one replaced when its person accepted a new version; null otherwise
 */
public record Consent(UUID id, UUID accountId, UUID programmeId, List<Purpose> purposes, DataScope scope,
                      List<AccessMode> accessModes, List<UUID> linkIds, Instant validFrom, Instant validUntil,
                      Terms terms, String proposal, String record, Instant createdAt, List<StatusRecord> statusRecords, Long logIndex,
                      Integer programmeVersion, String programmeTermsSha256, UUID replaces) {

    /** A consent given before programmes had versions: on version 1. */
    public Consent(UUID id, UUID accountId, UUID programmeId, List<Purpose> purposes, DataScope scope,
                   List<AccessMode> accessModes, List<UUID> linkIds, Instant validFrom, Instant validUntil,
                   Terms terms, String proposal, String record, Instant createdAt, List<StatusRecord> statusRecords,
                   Long logIndex) {
        this(id, accountId, programmeId, purposes, scope, accessModes, linkIds, validFrom, validUntil, terms, proposal,
                record, createdAt, statusRecords, logIndex, null, null, null);
    }

    /** The version of the programme's terms its person signed: 1 for a consent given before versions. */
    public int version() {
        return programmeVersion == null ? 1 : programmeVersion;
    }

    public Consent {
        purposes = List.copyOf(purposes);
        accessModes = ConsentModes.normalised(accessModes);
        linkIds = List.copyOf(linkIds);
        statusRecords = List.copyOf(statusRecords);
    }

    /** This consent with one more status record at the end of its chain. */
    Consent withStatus(StatusRecord added) {
        List<StatusRecord> chain = new java.util.ArrayList<>(statusRecords);
        chain.add(added);
        return new Consent(id, accountId, programmeId, purposes, scope, accessModes, linkIds, validFrom, validUntil,
                terms, proposal, record, createdAt, chain, logIndex, programmeVersion, programmeTermsSha256, replaces);
    }

    Consent withLogIndex(long index) {
        return new Consent(id, accountId, programmeId, purposes, scope, accessModes, linkIds, validFrom, validUntil,
                terms, proposal, record, createdAt, statusRecords, index, programmeVersion, programmeTermsSha256,
                replaces);
    }

    public StatusRecord latestStatus() {
        return statusRecords.get(statusRecords.size() - 1);
    }

    public ConsentStatus status() {
        return latestStatus().status();
    }

    /**
     * Active, and inside its validity at {@code now}, by the release policy's rule: whether its links are live
     * is the cohort's question, not the consent's.
     */
    public boolean isInForce(Instant now) {
        return ConsentInForce.whyNotInForceByTerms(status(), validity(), now).isEmpty();
    }

    /** Whether the person allowed pseudonymised records, not only statistics. */
    public boolean allowsRecords() {
        return AccessMode.RECORDS.isAllowedBy(accessModes);
    }

    /** Its validity as the release policy reads it (whole seconds, as the record states it). */
    Validity validity() {
        return new Validity(validFrom, validUntil);
    }
}
