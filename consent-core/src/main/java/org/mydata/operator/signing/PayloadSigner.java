package org.mydata.operator.signing;

/**
 * Signs raw bytes with a key it never hands out, as Tink's {@code PublicKeySign}: what the key ring gives to
 * code that needs signatures other than JWS records (the log's C2SP checkpoint notes).
 */
public interface PayloadSigner {

    /** The raw public key the signatures verify with (for Ed25519, its 32 bytes); it may change at a rotation. */
    byte[] publicKey();

    /** The signature over the payload, with the key whose public half {@link #publicKey} named last. */
    byte[] sign(byte[] payload);
}
