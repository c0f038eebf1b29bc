package org.mydata.operator.verify.log;

import com.google.crypto.tink.subtle.Ed25519Verify;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
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
        NoteKeys.VerifierKey parsed = NoteKeys.parseVerifierKey(vkey, COSIGNATURE_V1);
        WitnessKey key = new WitnessKey(parsed.name(), parsed.publicKey());
        if (key.keyId != parsed.statedKeyId()) {
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
        return NoteKeys.verifierKey(name, keyId, COSIGNATURE_V1, publicKey);
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
