package org.mydata.operator.verify.signing;

import java.util.Map;

/** A record whose signature checked out against a published key. */
public record VerifiedRecord(RecordType type, String keyId, Map<String, Object> claims, String compact) {
    public VerifiedRecord {
        claims = Map.copyOf(claims);
    }
}
