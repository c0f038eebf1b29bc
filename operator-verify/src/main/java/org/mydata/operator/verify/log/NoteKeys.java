package org.mydata.operator.verify.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/** Key names and key IDs as the C2SP signed-note specification defines them. */
public final class NoteKeys {
    /** Signature type byte of Ed25519 signatures (signed-note, "Signature types"). */
    public static final byte ED25519 = 0x01;

    private NoteKeys() {
    }

    /** key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4], read big-endian. */
    public static int ed25519KeyId(String keyName, byte[] publicKey) {
        requireName(keyName);
        if (publicKey.length != 32) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes");
        }
        MessageDigest d = MerkleTree.digest();
        d.update(keyName.getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0x0A);
        d.update(ED25519);
        d.update(publicKey);
        return ByteBuffer.wrap(d.digest(), 0, 4).getInt();
    }

    /** A verifier key's parts: name, the key ID it states, and the 32-byte Ed25519 key after its type byte. */
    record VerifierKey(String name, int statedKeyId, byte[] publicKey) {
    }

    /**
     * Parses {@code <name>+<8 hex digits>+<base64(type || 32-byte key)>} (signed-note's verifier keys) for one
     * signature type; the caller checks the stated ID against the one it computes, which depends on the type.
     * Only the first two '+' separate: the base64 key may hold '+' itself.
     */
    static VerifierKey parseVerifierKey(String vkey, byte type) {
        String[] parts = vkey.split("\\+", 3);
        if (parts.length != 3 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("a verifier key reads <name>+<key ID>+<key>");
        }
        byte[] typed;
        try {
            if (!parts[1].matches("[0-9a-f]{8}")) {
                throw new IllegalArgumentException("the key ID must be 8 lower-case hex digits");
            }
            typed = Base64.getDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed verifier key: " + e.getMessage(), e);
        }
        if (typed.length != 33 || typed[0] != type) {
            throw new IllegalArgumentException(String.format("the verifier key is not an Ed25519 key of type 0x%02x", type));
        }
        return new VerifierKey(requireName(parts[0]), (int) Long.parseLong(parts[1], 16),
                Arrays.copyOfRange(typed, 1, typed.length));
    }

    /** The text form of a verifier key, as {@link #parseVerifierKey} reads it. */
    static String verifierKey(String name, int keyId, byte type, byte[] publicKey) {
        byte[] typed = new byte[33];
        typed[0] = type;
        System.arraycopy(publicKey, 0, typed, 1, 32);
        return name + "+" + HexFormat.of().toHexDigits(keyId) + "+" + Base64.getEncoder().encodeToString(typed);
    }

    /** Key names must be non-empty and hold neither Unicode spaces nor '+' (nor, being on one line, controls). */
    public static String requireName(String keyName) {
        if (!isValidName(keyName)) {
            throw new IllegalArgumentException("'" + keyName + "' is not a valid note key name");
        }
        return keyName;
    }

    static boolean isValidName(String keyName) {
        if (keyName == null || keyName.isEmpty()) {
            return false;
        }
        return keyName.codePoints().noneMatch(cp -> cp == '+' || Character.isWhitespace(cp)
                || Character.isSpaceChar(cp) || Character.isISOControl(cp));
    }
}
