package org.mydata.operator.verify.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.signing.InvalidRecordException;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;

/** Checks a checkpoint as stated against its JWS: signed by a key in the JWKS, and saying the same thing. */
final class SignedCheckpoints {
    private SignedCheckpoints() {
    }

    /** The outcome, and the signed checkpoint when the JWS verified as one. */
    record Outcome(Check check, Optional<Checkpoint> signed) {
    }

    static Outcome check(RecordVerifier verifier, Checkpoint stated, String name, String label) {
        String what = label + " of " + stated.treeSize() + " entries";
        VerifiedRecord record;
        Checkpoint signed;
        try {
            record = verifier.verify(stated.jws());
            signed = Checkpoint.fromRecord(record);
        } catch (InvalidRecordException e) {
            return new Outcome(Check.fail(name, what + ": " + e.getMessage()), Optional.empty());
        }
        if (record.type() != RecordType.CHECKPOINT) {
            return new Outcome(Check.fail(name, what + ": the JWS is a " + record.type().mediaType()
                    + ", not a checkpoint+jwt"), Optional.empty());
        }
        List<String> differences = new ArrayList<>();
        if (signed.treeSize() != stated.treeSize()) {
            differences.add("tree_size " + stated.treeSize() + " is not the signed " + signed.treeSize());
        }
        if (!signed.rootHash().equals(stated.rootHash())) {
            differences.add("root_hash " + stated.rootHash().base64() + " is not the signed "
                    + signed.rootHash().base64());
        }
        if (!signed.issuedAt().equals(stated.issuedAt())) {
            differences.add("iat " + stated.issuedAt() + " is not the signed " + signed.issuedAt());
        }
        if (!differences.isEmpty()) {
            return new Outcome(Check.fail(name, what + ": the stated " + String.join(", ", differences)),
                    Optional.of(signed));
        }
        return new Outcome(Check.pass(name, what + ", root " + signed.rootHash().base64() + ", issued "
                + signed.issuedAt() + ", signed with key " + record.keyId()), Optional.of(signed));
    }
}
