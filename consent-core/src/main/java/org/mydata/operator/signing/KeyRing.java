package org.mydata.operator.signing;

import org.mydata.operator.verify.signing.RecordType;

import java.util.List;
import java.util.Map;

/**
 * Signs records with the operator's active key, and names every key it has ever signed with. Only code that
 * signs receives one; code that only reads the public keys receives {@link PublicKeys}.
 */
public interface KeyRing {

    /**
     * Signs the claims as a compact JWS whose header names the record type and the active key's {@code kid}.
     * The claims are plain JSON values: strings, numbers, booleans, lists and maps of them.
     */
    String sign(RecordType type, Map<String, Object> claims);

    /** The public half of the active key and of every retired key, oldest first. */
    List<PublishedKey> publicKeys();
}
