package org.mydata.operator.verify.consent;

import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 as the records use it: over the exact bytes, written base64url without padding. */
public final class RecordHash {
    private RecordHash() {
    }

    public static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return Base64URL.encode(digest).toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * The link rule of every chain of signed records (status records, opt-out records): the first names no
     * predecessor, each later one names the hash of the record before it.
     *
     * @param prevHash       the record's {@code prev_csr_hash} (or {@code prev_hash}); null when it names none
     * @param previousRecord the compact JWS of the record before it in the chain; null for the first
     */
    public static boolean chainsTo(String prevHash, String previousRecord) {
        return previousRecord == null ? prevHash == null : sha256(previousRecord).equals(prevHash);
    }
}
