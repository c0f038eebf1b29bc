package org.mydata.operator.log;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mydata.operator.signing.KeystoreKeyRing;
import org.mydata.operator.signing.PublishedKey;
import org.mydata.operator.verify.signing.RecordType;

/**
 * Rotates the operator's signing key and writes the rotation into the log, so an auditor sees in the
 * log itself from which entry on a new key signs, and cannot be shown a key that was never announced.
 */
public final class KeyRotations {
    private final KeystoreKeyRing keyRing;
    private final LogAppender appender;
    private final Clock clock;

    public KeyRotations(KeystoreKeyRing keyRing, LogAppender appender, Clock clock) {
        this.keyRing = keyRing;
        this.appender = appender;
        this.clock = clock;
    }

    /**
     * The new active key, after its rotation record (signed with it) is in the log. The key is made inside the
     * appender's batch: every record before the rotation in the log is signed with the old key, every one after
     * it with the new.
     */
    public PublishedKey rotate() {
        // Made once: should the batch run again (another write in it failed), the same new key is announced.
        String[] previous = new String[1];
        PublishedKey[] made = new PublishedKey[1];
        return appender.submit(c -> b -> {
            if (made[0] == null) {
                previous[0] = keyRing.activeKeyId();
                made[0] = keyRing.rotate();
            }
            PublishedKey key = made[0];
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("kid", key.keyId());
            claims.put("previous_kid", previous[0]);
            claims.put("jwk", key.publicJwk().toJSONObject());
            claims.put("iat", clock.instant().getEpochSecond());
            b.sign(RecordType.KEY_ROTATION, claims);
            return key;
        });
    }

    public List<PublishedKey> keys() {
        return keyRing.publicKeys();
    }
}
