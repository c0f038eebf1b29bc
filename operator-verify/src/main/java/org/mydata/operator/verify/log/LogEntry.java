package org.mydata.operator.verify.log;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of the log: its index, its bytes, and its leaf hash. An entry erased for an account's
 * erasure has no bytes any more, but its leaf hash still places it in every root and proof.
 */
public record LogEntry(long index, byte[] entry, Hash leafHash) {
    public LogEntry {
        if (index < 0) {
            throw new IllegalArgumentException("index must not be negative");
        }
        Objects.requireNonNull(leafHash, "leafHash");
        entry = entry == null ? null : entry.clone();
    }

    /** The bytes, or null when they were erased. */
    @Override
    public byte[] entry() {
        return entry == null ? null : entry.clone();
    }

    public boolean erased() {
        return entry == null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogEntry e && e.index == index && Arrays.equals(e.entry, entry) && e.leafHash.equals(leafHash);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(index) * 31 + leafHash.hashCode();
    }

    @Override
    public String toString() {
        return "LogEntry[index=" + index + ", " + (entry == null ? "erased" : entry.length + " bytes") + ", leafHash="
                + leafHash + "]";
    }
}
