package org.mydata.operator.log;

import com.google.crypto.tink.subtle.Ed25519Verify;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

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
        int first = vkey.indexOf('+');
        int second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
        if (first <= 0 || second < 0) {
            throw new IllegalArgumentException("a verifier key reads <name>+<key ID>+<key>");
        }
        String name = vkey.substring(0, first);
        String hexId = vkey.substring(first + 1, second);
        byte[] typed;
        try {
            if (hexId.length() != 8 || !hexId.equals(hexId.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("the key ID must be 8 lower-case hex digits");
            }
            typed = Base64.getDecoder().decode(vkey.substring(second + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed verifier key: " + e.getMessage(), e);
        }
        if (typed.length != 33 || typed[0] != NoteKeys.ED25519) {
            throw new IllegalArgumentException("the verifier key is not an Ed25519 (type 0x01) key");
        }
        NoteVerifier verifier = new NoteVerifier(name, Arrays.copyOfRange(typed, 1, typed.length));
        if (verifier.keyId != (int) Long.parseLong(hexId, 16)) {
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
        byte[] typed = new byte[33];
        typed[0] = NoteKeys.ED25519;
        System.arraycopy(publicKey, 0, typed, 1, 32);
        return keyName + "+" + HexFormat.of().toHexDigits(keyId) + "+" + Base64.getEncoder().encodeToString(typed);
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
