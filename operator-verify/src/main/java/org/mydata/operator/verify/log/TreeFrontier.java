package org.mydata.operator.verify.log;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The right edge of a tree of n leaves: the complete subtrees that cover [0, n), one per set bit of n.
 * It is all the state needed to extend the tree, so the writer loads it (O(log n) hashes), feeds it the
 * new leaves, and stores exactly the subtrees each leaf completes; the verifier uses it to recompute a
 * root while streaming the whole log through O(log n) memory.
 *
 * <p>Mutable and not thread-safe: one owner extends it.
 */
public final class TreeFrontier {
    private final List<SubtreeHash> nodes;
    private long size;

    private TreeFrontier(List<SubtreeHash> nodes, long size) {
        this.nodes = nodes;
        this.size = size;
    }

    public static TreeFrontier empty() {
        return new TreeFrontier(new ArrayList<>(), 0);
    }

    /** The subtrees whose hashes {@link #of} needs for a tree of this size, left to right. */
    public static List<Subtree> subtreesFor(long size) {
        return MerkleTree.cover(0, size);
    }

    /** Resumes a tree of the given size from the hashes of {@link #subtreesFor}(size), in the same order. */
    public static TreeFrontier of(long size, List<Hash> hashes) {
        List<Subtree> subtrees = subtreesFor(size);
        if (hashes.size() != subtrees.size()) {
            throw new IllegalArgumentException("a tree of " + size + " leaves has " + subtrees.size()
                    + " frontier subtrees, not " + hashes.size());
        }
        List<SubtreeHash> nodes = new ArrayList<>(subtrees.size() + 1);
        for (int i = 0; i < subtrees.size(); i++) {
            nodes.add(new SubtreeHash(subtrees.get(i), hashes.get(i)));
        }
        return new TreeFrontier(nodes, size);
    }

    /** Resumes a tree of the given size, reading its frontier from a hash source in one request. */
    public static TreeFrontier load(long size, SubtreeHashes source) {
        List<Subtree> subtrees = subtreesFor(size);
        Map<Subtree, Hash> known = subtrees.isEmpty() ? Map.of() : source.hashes(subtrees);
        List<Hash> hashes = new ArrayList<>(subtrees.size());
        for (Subtree s : subtrees) {
            Hash h = known.get(s);
            if (h == null) {
                throw new IllegalStateException("the hash source did not return frontier subtree " + s);
            }
            hashes.add(h);
        }
        return of(size, hashes);
    }

    public long size() {
        return size;
    }

    /**
     * Adds the next leaf and returns the interior subtrees (level 1 and up) that it completes, lowest
     * first; a leaf at an even index completes none, the leaf that makes the size a multiple of 2^k
     * completes k.
     */
    public List<SubtreeHash> append(Hash leafHash) {
        List<SubtreeHash> completed = new ArrayList<>(2);
        SubtreeHash current = new SubtreeHash(Subtree.leaf(size), leafHash);
        while (!nodes.isEmpty() && nodes.get(nodes.size() - 1).subtree().level() == current.subtree().level()) {
            SubtreeHash left = nodes.remove(nodes.size() - 1);
            Subtree parent = new Subtree(left.subtree().level() + 1, left.subtree().index() >> 1);
            current = new SubtreeHash(parent, MerkleTree.nodeHash(left.hash(), current.hash()));
            completed.add(current);
        }
        nodes.add(current);
        size++;
        return completed;
    }

    /** MTH of the leaves so far: the right-fold of the frontier. */
    public Hash root() {
        if (nodes.isEmpty()) {
            return MerkleTree.emptyRoot();
        }
        Hash h = nodes.get(nodes.size() - 1).hash();
        for (int i = nodes.size() - 2; i >= 0; i--) {
            h = MerkleTree.nodeHash(nodes.get(i).hash(), h);
        }
        return h;
    }

    /** The current frontier, left to right. */
    public List<SubtreeHash> nodes() {
        return List.copyOf(nodes);
    }
}
