package org.mydata.operator.verify.audit;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mydata.operator.verify.log.CheckpointNote;
import org.mydata.operator.verify.log.InvalidProofException;
import org.mydata.operator.verify.log.NoteVerifier;
import org.mydata.operator.verify.log.WitnessPolicy;

/**
 * Opens a checkpoint note as the tiles publish it: signed by one of the operator's Ed25519 keys from the JWKS
 * (under the origin as key name), and cosigned as the auditor's witness policy demands.
 */
public final class CheckpointNotes {
    private CheckpointNotes() {
    }

    /** The checks ({@code checkpoint}, and {@code witnesses} under a policy), and the tree head when all passed. */
    public record Opened(List<Check> checks, Optional<CheckpointNote> checkpoint) {
        public Opened {
            checks = List.copyOf(checks);
        }

        public boolean ok() {
            return checkpoint.isPresent();
        }
    }

    public static Opened open(JWKSet jwks, String note, WitnessPolicy policy) {
        List<Check> checks = new ArrayList<>();
        String origin = note.lines().findFirst().orElse("");
        CheckpointNote opened = null;
        String signedBy = null;
        String problem = "no Ed25519 key in the JWKS";
        for (JWK key : jwks.getKeys()) {
            if (!(key instanceof OctetKeyPair okp) || !Curve.Ed25519.equals(okp.getCurve())) {
                continue;
            }
            try {
                opened = CheckpointNote.open(note, origin, NoteVerifier.fromJwk(origin, okp));
                signedBy = key.getKeyID();
                break;
            } catch (InvalidProofException | IllegalArgumentException e) {
                problem = e.getMessage();
            }
        }
        if (opened == null) {
            checks.add(Check.fail("checkpoint", "the checkpoint note is not signed by a key of the JWKS: " + problem));
            return new Opened(checks, Optional.empty());
        }
        checks.add(Check.pass("checkpoint", "note of " + opened.treeSize() + " entries of log '" + opened.origin()
                + "', root " + opened.rootHash().base64() + ", signed with key " + signedBy));
        if (policy.isEmpty()) {
            return new Opened(checks, Optional.of(opened));
        }
        try {
            List<String> cosigners = policy.require(note);
            checks.add(Check.pass("witnesses", "cosigned by " + cosigners.size() + " of the " + policy.witnesses().size()
                    + " witnesses trusted (" + String.join(", ", cosigners) + "), " + policy.required() + " required"));
            return new Opened(checks, Optional.of(opened));
        } catch (InvalidProofException e) {
            checks.add(Check.fail("witnesses", e.getMessage()));
            return new Opened(checks, Optional.empty());
        }
    }
}
