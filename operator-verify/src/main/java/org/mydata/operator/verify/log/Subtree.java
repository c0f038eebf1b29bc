package org.mydata.operator.verify.log;

/**
 * A complete, aligned subtree of the log's Merkle tree: the {@code 2^level} leaves
 * {@code [index·2^level, (index+1)·2^level)}. Level 0 is a single leaf. Every node the RFC 9162
 * algorithms need is either one of these or a right-fold of a few of them, which is what lets the
 * store answer any root or proof from O(log n) stored hashes.
 */
public record Subtree(int level, long index) {
    /** 2^62 leaves is far beyond any log we will run, and keeps every start and end a positive long. */
    public static final int MAX_LEVEL = 62;

    public Subtree {
        if (level < 0 || level > MAX_LEVEL) {
            throw new IllegalArgumentException("subtree level must be within 0.." + MAX_LEVEL + ", got " + level);
        }
        if (index < 0 || index > (Long.MAX_VALUE >> level) - 1) {
            throw new IllegalArgumentException("subtree index out of range: level " + level + ", index " + index);
        }
    }

    public static Subtree leaf(long index) {
        return new Subtree(0, index);
    }

    /** The first leaf it covers. */
    public long start() {
        return index << level;
    }

    /** One past the last leaf it covers. */
    public long end() {
        return (index + 1) << level;
    }

    public long size() {
        return 1L << level;
    }

    public boolean isLeaf() {
        return level == 0;
    }
}
