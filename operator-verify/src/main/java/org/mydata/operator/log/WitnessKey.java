package org.mydata.operator.log;

import com.google.crypto.tink.subtle.Ed25519Verify;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * A witness's public key for C2SP tlog-cosignature/v1 Ed25519 cosignatures (https://c2sp.org/tlog-cosignature).
 * A cosignature is a signed-note signature line whose key ID is {@code SHA-256(name || "\n" || 0x04 || key)[:4]}
 * and whose bytes after the ID are a big-endian u64 POSIX timestamp and an Ed25519 signature over
 * {@code "cosignature/v1\ntime <timestamp>\n"} followed by the checkpoint's note text. The 0x04 type keeps a
 * cosignature from ever being read as the log's own (type 0x01) signature, and the header line keeps the signed
 * bytes apart from any note text.
 */
public final class WitnessKey {
    /** The signature type byte of Ed25519 cosignatures. */
    public static final byte COSIGNATURE_V1 = 0x04;
    static final int SIGNATURE_BYTES = 8 + 64;

    private final String name;
    private final byte[] publicKey;
    private final int keyId;
    private final Ed25519Verify verify;

    private WitnessKey(String name, byte[] publicKey) {
        this.name = NoteKeys.requireName(name);
        if (publicKey.length != 32) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes");
        }
        this.publicKey = publicKey.clone();
        this.keyId = keyId(name, publicKey);
        this.verify = new Ed25519Verify(this.publicKey);
    }

    public static WitnessKey ed25519(String name, byte[] publicKey) {
        return new WitnessKey(name, publicKey);
    }

    /** {@code <name>+<8 hex digits>+<base64(0x04 || 32-byte key)>}; the ID must match the name and key. */
    public static WitnessKey fromVerifierKey(String vkey) {
        // The base64 key may hold '+' itself; the name and the ID may not.
        String[] parts = vkey.split("\\+", 3);
        if (parts.length != 3 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("a witness verifier key reads <name>+<key ID>+<key>");
        }
        byte[] typed;
        try {
            if (parts[1].length() != 8 || !parts[1].equals(parts[1].toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("the key ID must be 8 lower-case hex digits");
            }
            typed = Base64.getDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed witness verifier key: " + e.getMessage(), e);
        }
        if (typed.length != 33 || typed[0] != COSIGNATURE_V1) {
            throw new IllegalArgumentException("the witness key is not an Ed25519 cosignature/v1 (type 0x04) key");
        }
        WitnessKey key = new WitnessKey(parts[0], Arrays.copyOfRange(typed, 1, typed.length));
        if (key.keyId != (int) Long.parseLong(parts[1], 16)) {
            throw new IllegalArgumentException("the witness key's ID does not match its name and key");
        }
        return key;
    }

    static int keyId(String name, byte[] publicKey) {
        MessageDigest d = MerkleTree.digest();
        d.update(name.getBytes(StandardCharsets.UTF_8));
        d.update((byte) '\n');
        d.update(COSIGNATURE_V1);
        d.update(publicKey);
        return ByteBuffer.wrap(d.digest(), 0, 4).getInt();
    }

    /** The bytes a cosignature signs: the header line, the time line, and the checkpoint's note text. */
    public static byte[] signedMessage(String noteText, long timestamp) {
        if (timestamp < 0) {
            throw new IllegalArgumentException("a cosignature's time is not negative");
        }
        return ("cosignature/v1\ntime " + timestamp + "\n" + noteText).getBytes(StandardCharsets.UTF_8);
    }

    /** The signature line a witness adds, from its raw Ed25519 signature over {@link #signedMessage}. */
    public String signatureLine(long timestamp, byte[] ed25519Signature) {
        byte[] blob = ByteBuffer.allocate(SIGNATURE_BYTES).putLong(timestamp).put(ed25519Signature).array();
        return SignedNote.signatureLine(name, keyId, blob);
    }

    public String name() {
        return name;
    }

    public int keyId() {
        return keyId;
    }

    public byte[] publicKey() {
        return publicKey.clone();
    }

    public String verifierKey() {
        byte[] typed = new byte[33];
        typed[0] = COSIGNATURE_V1;
        System.arraycopy(publicKey, 0, typed, 1, 32);
        return name + "+" + HexFormat.of().toHexDigits(keyId) + "+" + Base64.getEncoder().encodeToString(typed);
    }

    /** Whether the signature line is this witness's (by name and key ID). */
    public boolean names(SignedNote.Signature signature) {
        return signature.keyName().equals(name) && signature.keyId() == keyId;
    }

    /** The cosignature's time when it is this witness's valid cosignature over the note text; empty otherwise. */
    public OptionalLong verify(String noteText, SignedNote.Signature signature) {
        byte[] blob = signature.signature();
        if (!names(signature) || blob.length != SIGNATURE_BYTES) {
            return OptionalLong.empty();
        }
        long timestamp = ByteBuffer.wrap(blob, 0, 8).getLong();
        if (timestamp < 0) {
            return OptionalLong.empty();
        }
        try {
            verify.verify(Arrays.copyOfRange(blob, 8, blob.length), signedMessage(noteText, timestamp));
            return OptionalLong.of(timestamp);
        } catch (GeneralSecurityException e) {
            return OptionalLong.empty();
        }
    }
}
