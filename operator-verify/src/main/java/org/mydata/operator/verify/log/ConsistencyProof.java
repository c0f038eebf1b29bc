package org.mydata.operator.verify.log;

import java.util.List;

/** PROOF(first, D[second]): shows the tree of size first is a prefix of the tree of size second. */
public record ConsistencyProof(long first, long second, List<Hash> consistency) {
    public ConsistencyProof {
        if (first < 0 || second < first) {
            throw new IllegalArgumentException("no consistency proof from " + first + " to " + second);
        }
        consistency = List.copyOf(consistency);
    }
}
