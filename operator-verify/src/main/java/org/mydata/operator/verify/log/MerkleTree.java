package org.mydata.operator.verify.log;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Merkle tree math of RFC 9162 section 2.1, nothing else: no storage, no I/O.
 *
 * <p>Every value the RFC's recursive definitions produce, MTH(D[a:b]), has a range [a, b) that lies
 * inside one aligned block of the next power of two, so it is the right-fold of the complete aligned
 * subtrees that greedily cover it (at most one per set bit of b - a). Roots and proofs are therefore
 * computed in two steps: plan which ranges the RFC asks for, fetch the covering subtrees from a
 * {@link SubtreeHashes} source in one request, then fold. That keeps a proof at O(log n) lookups
 * however the source is stored.
 */
public final class MerkleTree {
    static final byte LEAF_PREFIX = 0x00;
    static final byte NODE_PREFIX = 0x01;
    private static final Hash EMPTY_ROOT = new Hash(digest().digest());

    private MerkleTree() {
    }

    /** MTH({}) = SHA-256() (RFC 9162 section 2.1.1). */
    public static Hash emptyRoot() {
        return EMPTY_ROOT;
    }

    /** SHA-256(0x00 || entry). */
    public static Hash leafHash(byte[] entry) {
        MessageDigest d = digest();
        d.update(LEAF_PREFIX);
        d.update(entry);
        return new Hash(d.digest());
    }

    /** SHA-256(0x01 || left || right). */
    public static Hash nodeHash(Hash left, Hash right) {
        MessageDigest d = digest();
        d.update(NODE_PREFIX);
        d.update(left.raw());
        d.update(right.raw());
        return new Hash(d.digest());
    }

    /** The largest power of two strictly smaller than n, the RFC's split point k; n must be at least 2. */
    static long splitPoint(long n) {
        if (n < 2) {
            throw new IllegalArgumentException("a tree of " + n + " leaves has no split");
        }
        return Long.highestOneBit(n - 1);
    }

    /**
     * The complete aligned subtrees that cover [start, end), left to right, largest first. The range
     * must be one the RFC recursion can produce: start a multiple of the highest power of two not above
     * end - start (every range in a root, a PATH or a PROOF is).
     */
    public static List<Subtree> cover(long start, long end) {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("not a range: [" + start + ", " + end + ")");
        }
        List<Subtree> out = new ArrayList<>(Long.bitCount(end - start));
        long at = start;
        long remaining = end - start;
        while (remaining > 0) {
            long size = Long.highestOneBit(remaining);
            int level = Long.numberOfTrailingZeros(size);
            if (at % size != 0) {
                throw new IllegalArgumentException("[" + start + ", " + end + ") is not a Merkle tree range");
            }
            out.add(new Subtree(level, at >> level));
            at += size;
            remaining -= size;
        }
        return out;
    }

    /** MTH(D[n]). */
    public static Hash root(long treeSize, SubtreeHashes source) {
        if (treeSize < 0) {
            throw new IllegalArgumentException("tree size must not be negative");
        }
        if (treeSize == 0) {
            return EMPTY_ROOT;
        }
        return resolve(List.of(new Range(0, treeSize)), source).get(0);
    }

    /** PATH(m, D[n]) of RFC 9162 section 2.1.3.1, the leaf's siblings from the bottom up; 0 &lt;= m &lt; n. */
    public static List<Hash> inclusionProof(long leafIndex, long treeSize, SubtreeHashes source) {
        return resolve(inclusionPlan(leafIndex, treeSize), source);
    }

    /**
     * PROOF(m, D[n]) of RFC 9162 section 2.1.4.1, for 0 &lt;= m &lt;= n. The RFC defines it for 0 &lt; m &lt; n;
     * for m = 0 and m = n the proof is empty, as verifiers (and {@link LogVerifier}) expect.
     */
    public static List<Hash> consistencyProof(long first, long second, SubtreeHashes source) {
        return resolve(consistencyPlan(first, second), source);
    }

    /** Which ranges PATH(m, D[n]) consists of, in proof order, without touching any hash. */
    static List<Range> inclusionPlan(long leafIndex, long treeSize) {
        if (treeSize < 1 || leafIndex < 0 || leafIndex >= treeSize) {
            throw new IllegalArgumentException("no leaf " + leafIndex + " in a tree of " + treeSize);
        }
        List<Range> path = new ArrayList<>();
        path(leafIndex, 0, treeSize, path);
        return path;
    }

    static List<Range> consistencyPlan(long first, long second) {
        if (first < 0 || second < first) {
            throw new IllegalArgumentException("no consistency proof from " + first + " to " + second);
        }
        List<Range> proof = new ArrayList<>();
        if (first > 0 && first < second) {
            subproof(first, 0, second, true, proof);
        }
        return proof;
    }

    // PATH(m, D[start:end]) = PATH(m, D[start:start+k]) : MTH(D[start+k:end])  when m < k,
    //                         PATH(m - k, D[start+k:end]) : MTH(D[start:start+k]) otherwise.
    private static void path(long m, long start, long end, List<Range> out) {
        long n = end - start;
        if (n == 1) {
            return;
        }
        long k = splitPoint(n);
        if (m - start < k) {
            path(m, start, start + k, out);
            out.add(new Range(start + k, end));
        } else {
            path(m, start + k, end, out);
            out.add(new Range(start, start + k));
        }
    }

    // SUBPROOF(m, D[start:end], b); m counts leaves from start.
    private static void subproof(long m, long start, long end, boolean wholeOldTree, List<Range> out) {
        long n = end - start;
        if (m == n) {
            if (!wholeOldTree) {
                out.add(new Range(start, end));
            }
            return;
        }
        long k = splitPoint(n);
        if (m <= k) {
            subproof(m, start, start + k, wholeOldTree, out);
            out.add(new Range(start + k, end));
        } else {
            subproof(m - k, start + k, end, false, out);
            out.add(new Range(start, start + k));
        }
    }

    private static List<Hash> resolve(List<Range> ranges, SubtreeHashes source) {
        Set<Subtree> needed = new LinkedHashSet<>();
        for (Range r : ranges) {
            needed.addAll(cover(r.start(), r.end()));
        }
        Map<Subtree, Hash> known = needed.isEmpty() ? Map.of() : source.hashes(needed);
        List<Hash> out = new ArrayList<>(ranges.size());
        for (Range r : ranges) {
            List<Subtree> parts = cover(r.start(), r.end());
            Hash h = require(known, parts.get(parts.size() - 1));
            for (int i = parts.size() - 2; i >= 0; i--) {
                h = nodeHash(require(known, parts.get(i)), h);
            }
            out.add(h);
        }
        return List.copyOf(out);
    }

    private static Hash require(Map<Subtree, Hash> known, Subtree s) {
        Hash h = known.get(s);
        if (h == null) {
            throw new IllegalStateException("the hash source did not return subtree " + s);
        }
        return h;
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** A leaf range [start, end) whose MTH a root or proof needs. */
    record Range(long start, long end) {
    }
}
