package org.mydata.operator.log;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mydata.operator.signing.KeystoreKeyRing;
import org.mydata.operator.signing.PublishedKey;
import org.mydata.operator.signing.RecordType;
import org.mydata.operator.store.Transactions;

/**
 * Rotates the operator's signing key and writes the rotation into the log, so an auditor sees in the
 * log itself from which entry on a new key signs, and cannot be shown a key that was never announced.
 */
public final class KeyRotations {
    private final KeystoreKeyRing keyRing;
    private final TransparencyLog log;
    private final Transactions tx;
    private final Clock clock;

    public KeyRotations(KeystoreKeyRing keyRing, TransparencyLog log, Transactions tx, Clock clock) {
        this.keyRing = keyRing;
        this.log = log;
        this.tx = tx;
        this.clock = clock;
    }

    /** The new active key, after its rotation record (signed with it) is in the log. */
    public PublishedKey rotate() {
        String previous = keyRing.activeKeyId();
        PublishedKey key = keyRing.rotate();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("kid", key.keyId());
        claims.put("previous_kid", previous);
        claims.put("jwk", key.publicJwk().toJSONObject());
        claims.put("iat", clock.instant().getEpochSecond());
        String record = keyRing.sign(RecordType.KEY_ROTATION, claims);
        tx.inTransaction(c -> log.append(c, record.getBytes(StandardCharsets.US_ASCII)));
        return key;
    }

    public List<PublishedKey> keys() {
        return keyRing.publicKeys();
    }
}
