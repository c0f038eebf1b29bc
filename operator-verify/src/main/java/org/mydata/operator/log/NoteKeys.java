package org.mydata.operator.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

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
