package org.mydata.operator.verify.log;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks the log's proofs with nothing but hashes: the algorithms of RFC 9162 sections 2.1.3.2 and
 * 2.1.4.2, followed step by step so that a reader can hold this code against the RFC. It trusts nothing
 * the operator computed; auditors run it offline.
 */
public final class LogVerifier {
    private LogVerifier() {
    }

    public static void verifyInclusion(InclusionProof proof, Hash leafHash, Hash root) throws InvalidProofException {
        verifyInclusion(proof.leafIndex(), proof.treeSize(), leafHash, proof.auditPath(), root);
    }

    /** Verifies that the leaf with this hash sits at leafIndex in the tree of treeSize leaves whose root is given. */
    public static void verifyInclusion(long leafIndex, long treeSize, Hash leafHash, List<Hash> auditPath, Hash root)
            throws InvalidProofException {
        Hash computed = rootFromInclusion(leafIndex, treeSize, leafHash, auditPath);
        if (!computed.equals(root)) {
            throw new InvalidProofException("the inclusion proof of leaf " + leafIndex + " in a tree of " + treeSize
                    + " leads to root " + computed.base64() + ", not to " + root.base64());
        }
    }

    /** Steps 1 to 4 of RFC 9162 section 2.1.3.2: the root the proof implies, to be compared with a signed one. */
    public static Hash rootFromInclusion(long leafIndex, long treeSize, Hash leafHash, List<Hash> auditPath)
            throws InvalidProofException {
        if (leafIndex < 0 || leafIndex >= treeSize) {
            throw new InvalidProofException("leaf index " + leafIndex + " is not inside a tree of " + treeSize);
        }
        long fn = leafIndex;
        long sn = treeSize - 1;
        Hash r = leafHash;
        for (Hash p : auditPath) {
            if (sn == 0) {
                throw new InvalidProofException("the inclusion proof of leaf " + leafIndex + " is too long");
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = MerkleTree.nodeHash(p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = MerkleTree.nodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0) {
            throw new InvalidProofException("the inclusion proof of leaf " + leafIndex + " is too short");
        }
        return r;
    }

    public static void verifyConsistency(ConsistencyProof proof, Hash firstRoot, Hash secondRoot)
            throws InvalidProofException {
        verifyConsistency(proof.first(), proof.second(), firstRoot, secondRoot, proof.consistency());
    }

    /**
     * Verifies that the tree of size first with firstRoot is a prefix of the tree of size second with
     * secondRoot (RFC 9162 section 2.1.4.2). Equal sizes need an empty proof and equal roots; any tree
     * extends the empty tree, with an empty proof.
     */
    public static void verifyConsistency(long first, long second, Hash firstRoot, Hash secondRoot, List<Hash> proof)
            throws InvalidProofException {
        if (first < 0 || second < first) {
            throw new InvalidProofException("a tree of " + second + " cannot extend a tree of " + first);
        }
        if (first == second) {
            if (!proof.isEmpty()) {
                throw new InvalidProofException("a consistency proof between equal sizes must be empty");
            }
            if (!firstRoot.equals(secondRoot)) {
                throw new InvalidProofException("two different roots for the same tree size " + first);
            }
            return;
        }
        if (first == 0) {
            if (!proof.isEmpty()) {
                throw new InvalidProofException("a consistency proof from the empty tree must be empty");
            }
            if (!firstRoot.equals(MerkleTree.emptyRoot())) {
                throw new InvalidProofException("the root of the empty tree is not SHA-256 of nothing");
            }
            return;
        }
        // Step 1: an empty path cannot prove anything between two different non-empty sizes.
        if (proof.isEmpty()) {
            throw new InvalidProofException("the consistency proof from " + first + " to " + second + " is empty");
        }
        // Step 2: when the old tree is a complete subtree, the proof leaves it out and the verifier adds it.
        List<Hash> path = new ArrayList<>(proof.size() + 1);
        if (Long.bitCount(first) == 1) {
            path.add(firstRoot);
        }
        path.addAll(proof);
        // Steps 3 and 4.
        long fn = first - 1;
        long sn = second - 1;
        while ((fn & 1) == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        // Step 5.
        Hash fr = path.get(0);
        Hash sr = path.get(0);
        // Step 6.
        for (Hash c : path.subList(1, path.size())) {
            if (sn == 0) {
                throw new InvalidProofException("the consistency proof from " + first + " to " + second + " is too long");
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = MerkleTree.nodeHash(c, fr);
                sr = MerkleTree.nodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                sr = MerkleTree.nodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        // Step 7.
        if (sn != 0) {
            throw new InvalidProofException("the consistency proof from " + first + " to " + second + " is too short");
        }
        if (!fr.equals(firstRoot)) {
            throw new InvalidProofException("the consistency proof does not lead to the root of the tree of " + first);
        }
        if (!sr.equals(secondRoot)) {
            throw new InvalidProofException("the consistency proof does not lead to the root of the tree of " + second);
        }
    }

    /** MTH of the entries, in order: what an auditor walking the whole log compares with a checkpoint. */
    public static Hash rootOf(List<byte[]> entries) {
        TreeFrontier frontier = TreeFrontier.empty();
        for (byte[] entry : entries) {
            frontier.append(MerkleTree.leafHash(entry));
        }
        return frontier.root();
    }

    /** MTH over leaf hashes, for logs in which some entries were erased and only their leaf hash remains. */
    public static Hash rootOfLeafHashes(Iterable<Hash> leafHashes) {
        TreeFrontier frontier = TreeFrontier.empty();
        for (Hash h : leafHashes) {
            frontier.append(h);
        }
        return frontier.root();
    }
}
