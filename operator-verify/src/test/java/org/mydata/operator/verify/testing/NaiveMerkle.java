package org.mydata.operator.verify.testing;

import org.mydata.operator.verify.log.Hash;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 9162 section 2.1's recursive definitions, transcribed as literally as possible and with its own
 * hashing, so the production code is checked against something that shares none of its shortcuts.
 * Quadratic and slow on purpose; fine for trees of a few dozen leaves.
 */
public final class NaiveMerkle {
    private NaiveMerkle() {
    }

    public static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                d.update(p);
            }
            return d.digest();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] leaf(byte[] entry) {
        return sha256(new byte[] {0x00}, entry);
    }

    public static byte[] node(byte[] left, byte[] right) {
        return sha256(new byte[] {0x01}, left, right);
    }

    public static int k(int n) {
        int k = 1;
        while (k * 2 < n) {
            k *= 2;
        }
        return k;
    }

    public static byte[] mth(List<byte[]> d) {
        int n = d.size();
        if (n == 0) {
            return sha256();
        }
        if (n == 1) {
            return leaf(d.get(0));
        }
        int k = k(n);
        return node(mth(d.subList(0, k)), mth(d.subList(k, n)));
    }

    public static List<byte[]> path(int m, List<byte[]> d) {
        int n = d.size();
        List<byte[]> out = new ArrayList<>();
        if (n == 1) {
            return out;
        }
        int k = k(n);
        if (m < k) {
            out.addAll(path(m, d.subList(0, k)));
            out.add(mth(d.subList(k, n)));
        } else {
            out.addAll(path(m - k, d.subList(k, n)));
            out.add(mth(d.subList(0, k)));
        }
        return out;
    }

    public static List<byte[]> proof(int m, List<byte[]> d) {
        return subproof(m, d, true);
    }

    public static List<byte[]> subproof(int m, List<byte[]> d, boolean b) {
        int n = d.size();
        List<byte[]> out = new ArrayList<>();
        if (m == n) {
            if (!b) {
                out.add(mth(d));
            }
            return out;
        }
        int k = k(n);
        if (m <= k) {
            out.addAll(subproof(m, d.subList(0, k), b));
            out.add(mth(d.subList(k, n)));
        } else {
            out.addAll(subproof(m - k, d.subList(k, n), false));
            out.add(mth(d.subList(0, k)));
        }
        return out;
    }

    public static List<byte[]> entries(int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(("entry " + i).getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    public static List<Hash> hashes(List<byte[]> raw) {
        return raw.stream().map(Hash::new).toList();
    }
}
