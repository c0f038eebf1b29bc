package org.mydata.operator.verify.audit;

import java.util.Objects;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.ConsistencyProof;

/**
 * A checkpoint the auditor saved earlier, and the consistency proof between it and the checkpoint of the
 * bundle now being verified (in whichever direction their sizes call for). This is what stops the operator
 * from rewriting history: a log that was changed after the kept checkpoint was signed cannot produce a
 * proof that its new root extends the old one.
 *
 * @param proof null when both checkpoints have the same size, where no proof is needed: the roots must
 *              simply be equal
 */
public record KeptCheckpoint(Checkpoint checkpoint, ConsistencyProof proof) {
    public KeptCheckpoint {
        Objects.requireNonNull(checkpoint, "checkpoint");
    }
}
