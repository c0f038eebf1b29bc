package org.mydata.operator.verify.audit;

import java.util.List;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.CheckpointNote;
import org.mydata.operator.verify.log.InvalidProofException;
import org.mydata.operator.verify.log.LogVerifier;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.verify.log.SubtreeHashes;

/**
 * Whether the checkpoint a receipt was included under lies on the history the witnesses saw. The operator
 * could otherwise hand one person a bundle from a log of its own making, signed with its real key: the
 * bundle's proofs would all verify against that fork. A witness cosigns only checkpoints consistent with
 * every one it cosigned before, so a receipt whose checkpoint is consistent with a witnessed one is on the
 * one history everybody is shown.
 */
public final class Witnessed {
    static final String CHECK = "witnessed";

    private Witnessed() {
    }

    /**
     * @param witnessedTree the tiles of the witnessed tree, from which the consistency proof is computed; they
     *                      are not trusted, the proof is verified against both signed roots
     */
    public static Check consistency(Checkpoint receipt, CheckpointNote witnessed, SubtreeHashes witnessedTree) {
        long first = receipt.treeSize();
        long second = witnessed.treeSize();
        if (first > second) {
            return Check.fail(CHECK, "the receipt's checkpoint of " + first + " entries is newer than the witnessed one of "
                    + second + "; verify again once the witnesses have cosigned a larger tree");
        }
        try {
            List<org.mydata.operator.verify.log.Hash> proof = MerkleTree.consistencyProof(first, second, witnessedTree);
            LogVerifier.verifyConsistency(first, second, receipt.rootHash(), witnessed.rootHash(), proof);
        } catch (InvalidProofException | IllegalStateException e) {
            return Check.fail(CHECK, "the receipt's checkpoint of " + first + " entries is not on the witnessed history "
                    + "of " + second + " entries (a split view): " + e.getMessage());
        }
        return Check.pass(CHECK, "the receipt's checkpoint of " + first + " entries is consistent with the witnessed "
                + "checkpoint of " + second + " entries");
    }
}
