package org.mydata.operator.release;

import org.mydata.operator.verify.release.ProgrammeVersions;

/**
 * The version of its programme's terms a permit was issued under (permitver, docs/amendments.md): the steward
 * decided on the request under those terms, so the permit reaches a consent on an older version only when no
 * amendment in between widened what a release does not intersect ({@link ProgrammeVersions}).
 *
 * @param version         the programme's version when the permit was issued; for a permit issued before permits
 *                        recorded it, the version its programme was at then (the latest amendment before the permit
 *                        in the log), or 1
 * @param termsSha256     that version's terms hash, as the permit record states it; null for a permit issued before
 *                        permits recorded it whose programme had then never been amended
 * @param oldestReachable the oldest version whose consents the permit may rely on
 *                        ({@link ProgrammeVersions#oldestReachable}); 1 when no amendment up to {@code version}
 *                        widened beyond a release
 */
public record IssuedUnder(int version, String termsSha256, int oldestReachable) {
    public IssuedUnder {
        if (version < 1 || oldestReachable < 1 || oldestReachable > version) {
            throw new IllegalArgumentException("a permit issued under version " + version
                    + " cannot reach consents from version " + oldestReachable);
        }
    }
}
