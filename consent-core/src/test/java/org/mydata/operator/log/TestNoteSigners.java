package org.mydata.operator.log;

import com.google.crypto.tink.subtle.Ed25519Sign;
import java.security.GeneralSecurityException;
import org.mydata.operator.signing.PayloadSigner;

/** Note signers over a key of the test's own, given as its 32-byte RFC 8032 private key (the seed). */
final class TestNoteSigners {
    private TestNoteSigners() {
    }

    static Ed25519NoteSigner fromSeed(String keyName, byte[] seed) {
        if (seed.length != 32) {
            throw new IllegalArgumentException("an Ed25519 private key (seed) has 32 bytes");
        }
        try {
            byte[] publicKey = Ed25519Sign.KeyPair.newKeyPairFromSeed(seed.clone()).getPublicKey();
            Ed25519Sign sign = new Ed25519Sign(seed.clone());
            return Ed25519NoteSigner.over(keyName, new PayloadSigner() {
                @Override
                public byte[] publicKey() {
                    return publicKey.clone();
                }

                @Override
                public byte[] sign(byte[] payload) {
                    try {
                        return sign.sign(payload);
                    } catch (GeneralSecurityException e) {
                        throw new IllegalStateException("Ed25519 signing failed", e);
                    }
                }
            });
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available", e);
        }
    }
}
