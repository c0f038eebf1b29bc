package org.mydata.operator.optout;

import java.time.Instant;
import java.util.UUID;

/**
 * One signed record of a person's opt-out chain for one programme ({@code opt-out+jwt}).
 *
 * @param seq          its place in the person's chain for the programme, from 1
 * @param status       {@link #OPTED_OUT} or {@link #WITHDRAWN}
 * @param prevHash     base64url SHA-256 of the previous record's JWS in the chain; null on the first
 * @param noticeSha256 on an opt-out, the SHA-256 of the notice text the person was shown; null on a withdrawal
 */
public record OptOutRecord(UUID id, UUID optOutId, int seq, String status, String prevHash, String noticeSha256,
                           String record, Instant createdAt, long logIndex) {
    public static final String OPTED_OUT = "opted-out";
    public static final String WITHDRAWN = "withdrawn";
}
