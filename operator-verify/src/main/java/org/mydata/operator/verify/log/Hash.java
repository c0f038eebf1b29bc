package org.mydata.operator.verify.log;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A SHA-256 value in the Merkle tree: a leaf hash, an interior node, or a root. Immutable: the bytes are
 * copied in and out, so a proof handed to a caller can never be changed under the log's feet.
 */
public record Hash(byte[] bytes) {
    public static final int LENGTH = 32;

    public Hash {
        if (bytes == null || bytes.length != LENGTH) {
            throw new IllegalArgumentException("a SHA-256 hash has exactly 32 bytes");
        }
        bytes = bytes.clone();
    }

    /** The standard base64 (RFC 4648 section 4) form that checkpoints, notes and proofs on the wire use. */
    public static Hash fromBase64(String base64) {
        try {
            return new Hash(Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a base64-encoded SHA-256 hash", e);
        }
    }

    public static Hash fromHex(String hex) {
        return new Hash(HexFormat.of().parseHex(hex));
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The bytes without a copy, for hashing inside this package where nothing keeps or changes them. */
    byte[] raw() {
        return bytes;
    }

    public String base64() {
        return Base64.getEncoder().encodeToString(bytes);
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    /** Constant-time, because verifiers compare attacker-supplied roots with expected ones. */
    public boolean matches(byte[] other) {
        return other != null && MessageDigest.isEqual(bytes, other);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hash h && MessageDigest.isEqual(bytes, h.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
