package org.mydata.operator.api.rest;

import java.time.Instant;
import java.util.Map;
import org.mydata.operator.api.config.EmbeddedWitness;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.log.KeyRotations;
import org.mydata.operator.verify.log.NoteVerifier;
import org.mydata.operator.signing.Jwks;
import org.mydata.operator.signing.PublicKeys;
import org.mydata.operator.signing.PublishedKey;
import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** The operator's record-signing keys: the public JWKS, and rotation (scope {@code admin}). */
@RestController
public class KeyController {
    private final PublicKeys keys;
    private final KeyRotations rotations;
    private final EmbeddedWitness embeddedWitness;
    private final String logOrigin;

    public KeyController(PublicKeys keys, KeyRotations rotations, EmbeddedWitness embeddedWitness,
                         OperatorProperties properties) {
        this.keys = keys;
        this.rotations = rotations;
        this.embeddedWitness = embeddedWitness;
        this.logOrigin = properties.log().origin();
    }

    public record KeyView(String kid, String alg, String status, Instant createdAt) {
        static KeyView of(PublishedKey key) {
            return new KeyView(key.keyId(), key.publicJwk().getKeyType().getValue().equals("OKP") ? "EdDSA" : "ES256",
                    key.status().wire(), key.createdAt());
        }
    }

    @GetMapping("/.well-known/jwks.json")
    public ResponseEntity<Map<String, Object>> jwks() {
        return ResponseEntity.ok().cacheControl(CacheControl.noCache()).body(Jwks.document(keys.publicKeys()));
    }

    @PostMapping("/api/v1/admin/keys/rotate")
    public KeyView rotate() {
        PublishedKey rotated = rotations.rotate();
        // Checkpoints are signed with the new key from now on: the operator's own witness follows it.
        keys.notePublicKey().ifPresent(notes -> embeddedWitness.trust(
                NoteVerifier.ed25519(logOrigin, notes).verifierKey()));
        return KeyView.of(rotated);
    }
}
