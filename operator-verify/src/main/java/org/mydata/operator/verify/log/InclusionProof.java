package org.mydata.operator.verify.log;

import java.util.List;

/** PATH(leafIndex, D[treeSize]): the audit path that links a leaf to the root of a tree of that size. */
public record InclusionProof(long leafIndex, long treeSize, List<Hash> auditPath) {
    public InclusionProof {
        if (leafIndex < 0 || leafIndex >= treeSize) {
            throw new IllegalArgumentException("no leaf " + leafIndex + " in a tree of " + treeSize);
        }
        auditPath = List.copyOf(auditPath);
    }
}
