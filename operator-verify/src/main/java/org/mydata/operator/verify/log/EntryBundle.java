package org.mydata.operator.verify.log;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of an entry bundle (C2SP tlog-tiles): each entry as a big-endian uint16 length and then its
 * bytes. An entry erased for an account's erasure is written with length 0: the level-0 tile beside the
 * bundle still holds its leaf hash, and no entry of this log is empty (every one is a JWS or a JSON object),
 * so a reader tells erased from present without guessing ({@link #entries}). So is an entry longer than a
 * 16-bit length can say (an access event naming thousands of consents): the bundle format has no room for
 * it, and the operator's API ({@code GET /api/v1/audit/entries}) still serves it.
 */
public final class EntryBundle {
    /** The most bytes a uint16 length can announce. */
    public static final int MAX_ENTRY_BYTES = 0xFFFF;

    private EntryBundle() {
    }

    /** Encodes entries in order; null (erased) and entries too long for a bundle are written empty. */
    public static byte[] encode(List<byte[]> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] entry : entries) {
            byte[] bytes = entry == null || entry.length > MAX_ENTRY_BYTES ? new byte[0] : entry;
            out.write(bytes.length >> 8);
            out.write(bytes.length & 0xFF);
            out.write(bytes, 0, bytes.length);
        }
        return out.toByteArray();
    }

    /** Splits a bundle into its entries, which must be exactly {@code count}; an empty entry reads as null (erased). */
    public static List<byte[]> decode(byte[] bundle, int count) throws InvalidProofException {
        List<byte[]> out = new ArrayList<>(count);
        int at = 0;
        while (at < bundle.length) {
            if (at + 2 > bundle.length) {
                throw new InvalidProofException("the entry bundle ends inside a length");
            }
            int length = ((bundle[at] & 0xFF) << 8) | (bundle[at + 1] & 0xFF);
            at += 2;
            if (at + length > bundle.length) {
                throw new InvalidProofException("the entry bundle ends inside an entry");
            }
            byte[] entry = new byte[length];
            System.arraycopy(bundle, at, entry, 0, length);
            out.add(length == 0 ? null : entry);
            at += length;
        }
        if (out.size() != count) {
            throw new InvalidProofException("the entry bundle holds " + out.size() + " entries, not " + count);
        }
        return out;
    }

    /**
     * The log entries of one level-0 tile from its bundle and its leaf hashes: an entry present keeps the leaf
     * hash the tile states (an auditor then checks that its bytes hash to it), an erased one is known by that
     * leaf hash alone.
     */
    public static List<LogEntry> entries(Tile tile, byte[] bundle, List<Hash> leafHashes) throws InvalidProofException {
        if (tile.level() != 0 || leafHashes.size() != tile.width()) {
            throw new IllegalArgumentException("an entry bundle goes with the leaf hashes of its level-0 tile");
        }
        List<byte[]> entries = decode(bundle, tile.width());
        List<LogEntry> out = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            out.add(new LogEntry(tile.startIndex() + i, entries.get(i), leafHashes.get(i)));
        }
        return out;
    }
}
