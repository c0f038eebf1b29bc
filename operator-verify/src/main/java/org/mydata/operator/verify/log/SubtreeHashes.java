package org.mydata.operator.verify.log;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the Merkle math gets the hashes of complete subtrees: the database in production, memory in
 * the verifier and in tests. {@link MerkleTree} asks only for subtrees that lie entirely inside the
 * tree size it was given, so a source never has to know the size.
 */
public interface SubtreeHashes {

    /**
     * The hash of one complete subtree; for level 0 the leaf hash. A subtree the source does not
     * hold is a broken invariant (the caller asked beyond what was integrated), not a miss.
     *
     * @throws IllegalStateException when the source does not hold it
     */
    Hash hash(Subtree subtree);

    /**
     * The hashes of several subtrees at once. {@link MerkleTree} plans each root or proof first and
     * asks through here once, so a database source can answer in one round trip; the default just
     * asks one by one.
     */
    default Map<Subtree, Hash> hashes(Collection<Subtree> subtrees) {
        Map<Subtree, Hash> out = new LinkedHashMap<>();
        for (Subtree s : subtrees) {
            out.put(s, hash(s));
        }
        return out;
    }
}
