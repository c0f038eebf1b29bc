package org.mydata.operator.log;

import org.mydata.operator.verify.log.NoteKeys;
import org.mydata.operator.verify.log.NoteSigner;
import org.mydata.operator.verify.log.NoteVerifier;

import java.util.Arrays;
import java.util.Objects;
import org.mydata.operator.signing.PayloadSigner;

/**
 * An Ed25519 note signer (signature type 0x01). Over the operator's key ring it signs with the ring's active
 * Ed25519 key through a {@link PayloadSigner}, the same key as the checkpoint JWS and never a copy of it. That
 * reuse is safe: a JWS signing input has no newline and a note text always ends in one, so neither can pass
 * for the other.
 */
public final class Ed25519NoteSigner implements NoteSigner {
    private final String keyName;
    private final PayloadSigner signer;
    /** The key ID of the public key seen last; recomputed only when a rotation changed the key. */
    private volatile KeyId last;

    private record KeyId(byte[] publicKey, int id) {
    }

    private Ed25519NoteSigner(String keyName, PayloadSigner signer) {
        this.keyName = NoteKeys.requireName(keyName);
        this.signer = Objects.requireNonNull(signer, "signer");
    }

    /** Signs with whichever key the signer holds at each signature (the key ring's active key). */
    public static Ed25519NoteSigner over(String keyName, PayloadSigner signer) {
        return new Ed25519NoteSigner(keyName, signer);
    }

    @Override
    public String keyName() {
        return keyName;
    }

    @Override
    public int keyId() {
        byte[] publicKey = signer.publicKey();
        KeyId known = last;
        if (known == null || !Arrays.equals(known.publicKey(), publicKey)) {
            known = new KeyId(publicKey, NoteKeys.ed25519KeyId(keyName, publicKey));
            last = known;
        }
        return known.id();
    }

    @Override
    public byte[] sign(byte[] text) {
        return signer.sign(text);
    }

    byte[] publicKey() {
        return signer.publicKey();
    }

    /** The verifier that checks this signer's notes (with the key it holds now). */
    NoteVerifier verifier() {
        return NoteVerifier.ed25519(keyName, signer.publicKey());
    }
}
