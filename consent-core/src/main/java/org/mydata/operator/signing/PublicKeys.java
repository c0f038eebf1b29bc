package org.mydata.operator.signing;

import java.util.List;
import java.util.Optional;

/**
 * The public half of the operator's signing keys and nothing that signs, as Tink keeps a keyset's public
 * handle apart from its {@code PublicKeySign}: what code that only reads keys receives (the JWKS, a page that
 * checks a receipt, an export's bundle, the witness that follows a rotation). A {@link KeyRing} hands one out
 * with {@link KeystoreKeyRing#publicKeySet()}; the view cannot be cast back to anything that signs.
 */
public interface PublicKeys {

    /** The public half of the active key and of every retired key, oldest first. */
    List<PublishedKey> publicKeys();

    /**
     * The active key's raw Ed25519 public key (its 32 bytes), which the log's checkpoint notes verify with;
     * empty when the active key is ES256 (such a ring signs no notes). It changes at a rotation.
     */
    Optional<byte[]> notePublicKey();
}
