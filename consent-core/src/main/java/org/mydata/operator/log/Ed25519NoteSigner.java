package org.mydata.operator.log;

import com.google.crypto.tink.subtle.Ed25519Sign;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * An Ed25519 note signer (signature type 0x01) over Tink's RFC 8032 implementation, the same one
 * Nimbus uses for the operator's EdDSA records, so the checkpoint JWS and the checkpoint note can be
 * signed with the same key. That reuse is safe: a JWS signing input has no newline and a note text
 * always ends in one, so neither can pass for the other.
 */
public final class Ed25519NoteSigner implements NoteSigner {
    private final String keyName;
    private final byte[] publicKey;
    private final int keyId;
    private final Ed25519Sign signer;

    private Ed25519NoteSigner(String keyName, byte[] seed) {
        this.keyName = NoteKeys.requireName(keyName);
        if (seed.length != 32) {
            throw new IllegalArgumentException("an Ed25519 private key (seed) has 32 bytes");
        }
        try {
            this.publicKey = Ed25519Sign.KeyPair.newKeyPairFromSeed(seed).getPublicKey();
            this.signer = new Ed25519Sign(seed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available", e);
        }
        this.keyId = NoteKeys.ed25519KeyId(keyName, publicKey);
    }

    /** From the 32-byte RFC 8032 private key (the seed). */
    public static Ed25519NoteSigner fromSeed(String keyName, byte[] seed) {
        return new Ed25519NoteSigner(keyName, seed.clone());
    }

    /** From the operator's Ed25519 key as Nimbus holds it; the JWK must carry the private part. */
    public static Ed25519NoteSigner fromJwk(String keyName, OctetKeyPair key) {
        if (!Curve.Ed25519.equals(key.getCurve()) || key.getD() == null) {
            throw new IllegalArgumentException("note signing needs a private Ed25519 key");
        }
        Ed25519NoteSigner signer = new Ed25519NoteSigner(keyName, key.getDecodedD());
        if (!MessageDigest.isEqual(signer.publicKey, key.getDecodedX())) {
            throw new IllegalArgumentException("the JWK's public part does not belong to its private part");
        }
        return signer;
    }

    @Override
    public String keyName() {
        return keyName;
    }

    @Override
    public int keyId() {
        return keyId;
    }

    @Override
    public byte[] sign(byte[] text) {
        try {
            return signer.sign(text);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** The verifier that checks this signer's notes. */
    public NoteVerifier verifier() {
        return NoteVerifier.ed25519(keyName, publicKey);
    }
}
