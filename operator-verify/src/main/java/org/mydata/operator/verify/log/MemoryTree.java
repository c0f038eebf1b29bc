package org.mydata.operator.verify.log;

import java.util.ArrayList;
import java.util.List;

/**
 * A whole Merkle tree held in memory, every complete subtree kept. For auditors who downloaded a range
 * of entries and for tests; the operator's own log lives in consent-core's {@code TransparencyLog}. Not thread-safe.
 */
public final class MemoryTree implements SubtreeHashes {
    private final List<List<Hash>> levels = new ArrayList<>();
    private final TreeFrontier frontier = TreeFrontier.empty();

    public MemoryTree() {
        levels.add(new ArrayList<>());
    }

    public static MemoryTree of(List<byte[]> entries) {
        MemoryTree tree = new MemoryTree();
        entries.forEach(tree::append);
        return tree;
    }

    /** Adds an entry and returns its index. */
    public long append(byte[] entry) {
        return appendLeafHash(MerkleTree.leafHash(entry));
    }

    /** Adds a leaf by its hash alone, as for an entry whose bytes were erased. */
    public long appendLeafHash(Hash leafHash) {
        long index = frontier.size();
        levels.get(0).add(leafHash);
        for (SubtreeHash completed : frontier.append(leafHash)) {
            int level = completed.subtree().level();
            if (levels.size() == level) {
                levels.add(new ArrayList<>());
            }
            levels.get(level).add(completed.hash());
        }
        return index;
    }

    public long size() {
        return frontier.size();
    }

    public Hash root() {
        return frontier.root();
    }

    public Hash root(long treeSize) {
        requireSize(treeSize);
        return MerkleTree.root(treeSize, this);
    }

    public List<Hash> inclusionProof(long leafIndex, long treeSize) {
        requireSize(treeSize);
        return MerkleTree.inclusionProof(leafIndex, treeSize, this);
    }

    public List<Hash> consistencyProof(long first, long second) {
        requireSize(second);
        return MerkleTree.consistencyProof(first, second, this);
    }

    @Override
    public Hash hash(Subtree subtree) {
        if (subtree.level() < levels.size()) {
            List<Hash> level = levels.get(subtree.level());
            if (subtree.index() < level.size()) {
                return level.get((int) subtree.index());
            }
        }
        throw new IllegalStateException("the tree of " + size() + " leaves has no complete subtree " + subtree);
    }

    private void requireSize(long treeSize) {
        if (treeSize > size()) {
            throw new IllegalArgumentException("the tree has only " + size() + " leaves, not " + treeSize);
        }
    }
}
