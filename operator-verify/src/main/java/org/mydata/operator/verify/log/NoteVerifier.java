package org.mydata.operator.verify.log;

import com.google.crypto.tink.subtle.Ed25519Verify;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import java.security.GeneralSecurityException;

/**
 * Checks Ed25519 signatures on C2SP signed notes for one known key. Witnesses and auditors configure it
 * from the verifier key text ({@code <name>+<hex key ID>+<base64(0x01 || public key)>}, as Go's
 * sumdb/note writes it) or from the operator's JWKS.
 */
public final class NoteVerifier {
    private final String keyName;
    private final byte[] publicKey;
    private final int keyId;
    private final Ed25519Verify verify;

    private NoteVerifier(String keyName, byte[] publicKey) {
        this.keyName = NoteKeys.requireName(keyName);
        if (publicKey.length != 32) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes");
        }
        this.publicKey = publicKey.clone();
        this.keyId = NoteKeys.ed25519KeyId(keyName, publicKey);
        this.verify = new Ed25519Verify(this.publicKey);
    }

    public static NoteVerifier ed25519(String keyName, byte[] publicKey) {
        return new NoteVerifier(keyName, publicKey);
    }

    /** The operator's published Ed25519 key from its JWKS, under the note key name (the log's origin). */
    public static NoteVerifier fromJwk(String keyName, OctetKeyPair publicJwk) {
        if (!Curve.Ed25519.equals(publicJwk.getCurve())) {
            throw new IllegalArgumentException("notes are signed with Ed25519 keys only");
        }
        return new NoteVerifier(keyName, publicJwk.getDecodedX());
    }

    /** Parses {@code <name>+<8 hex digits>+<base64(0x01 || 32-byte key)>}; the hex ID must match the key. */
    public static NoteVerifier fromVerifierKey(String vkey) {
        NoteKeys.VerifierKey parsed = NoteKeys.parseVerifierKey(vkey, NoteKeys.ED25519);
        NoteVerifier verifier = new NoteVerifier(parsed.name(), parsed.publicKey());
        if (verifier.keyId != parsed.statedKeyId()) {
            throw new IllegalArgumentException("the verifier key's ID does not match its name and key");
        }
        return verifier;
    }

    public String keyName() {
        return keyName;
    }

    public int keyId() {
        return keyId;
    }

    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** The text form witnesses are configured with. */
    public String verifierKey() {
        return NoteKeys.verifierKey(keyName, keyId, NoteKeys.ED25519, publicKey);
    }

    /** Whether the raw signature (without the key ID prefix) is this key's over the text. */
    public boolean verify(byte[] text, byte[] signature) {
        try {
            verify.verify(signature, text);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
