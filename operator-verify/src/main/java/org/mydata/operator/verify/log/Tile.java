package org.mydata.operator.verify.log;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One tile of the log as C2SP tlog-tiles (https://c2sp.org/tlog-tiles) publishes it: at level L, tile N
 * holds W consecutive hashes at tree level 8·L, starting with the {@code N·256}-th, each the MTH of
 * {@code 256^L} leaves. A full tile holds 256 hashes and never changes; the rightmost tile of each level
 * is usually partial (W &lt; 256) and is replaced by wider ones as the log grows. Level-0 tiles hold leaf
 * hashes; the entry bundle with the same N holds the entries themselves.
 *
 * <p>Why 8 levels per tile: an inclusion or consistency proof of a log of a billion entries touches at most
 * one tile per level, four tiles, and each hash inside a tile's subtree is recomputed from the tile itself.
 */
public record Tile(int level, long index, int width) {
    /** Hashes in a full tile: a tile is a subtree of height {@value #HEIGHT}. */
    public static final int WIDTH = 256;
    public static final int HEIGHT = 8;
    /** Tile levels the specification allows, 0 to 63; ours stop where {@link Subtree#MAX_LEVEL} does. */
    public static final int MAX_LEVEL = Subtree.MAX_LEVEL / HEIGHT;

    public Tile {
        if (level < 0 || level > MAX_LEVEL) {
            throw new IllegalArgumentException("tile level must be within 0.." + MAX_LEVEL + ", got " + level);
        }
        if (index < 0 || index > (Long.MAX_VALUE >> (HEIGHT * (level + 1)))) {
            throw new IllegalArgumentException("tile index out of range: " + index);
        }
        if (width < 1 || width > WIDTH) {
            throw new IllegalArgumentException("a tile holds 1 to " + WIDTH + " hashes, not " + width);
        }
    }

    public static Tile full(int level, long index) {
        return new Tile(level, index, WIDTH);
    }

    public boolean isFull() {
        return width == WIDTH;
    }

    /** How many hashes of tree level 8·level a tree of this size has: floor(size / 256^level). */
    static long hashesAtLevel(int level, long treeSize) {
        return treeSize >> (HEIGHT * level);
    }

    /**
     * The tile at (level, index) as it stands in a tree of this size: full, partial of the width the
     * specification gives (floor(size / 256^level) mod 256 for the rightmost one), or empty when the tree
     * does not reach it.
     */
    public static Optional<Tile> inTree(int level, long index, long treeSize) {
        long available = hashesAtLevel(level, treeSize) - index * WIDTH;
        if (available <= 0) {
            return Optional.empty();
        }
        return Optional.of(new Tile(level, index, (int) Math.min(WIDTH, available)));
    }

    /** Every tile of a tree of this size, level by level, left to right: what a mirror copies. */
    public static List<Tile> allInTree(long treeSize) {
        List<Tile> out = new ArrayList<>();
        for (int level = 0; level <= MAX_LEVEL && hashesAtLevel(level, treeSize) > 0; level++) {
            long count = hashesAtLevel(level, treeSize);
            for (long n = 0; n * WIDTH < count; n++) {
                out.add(inTree(level, n, treeSize).orElseThrow());
            }
        }
        return out;
    }

    /** The subtree each hash of the tile is the MTH of, in order: {@code width} of them at tree level 8·level. */
    public Subtree subtree(int position) {
        if (position < 0 || position >= width) {
            throw new IndexOutOfBoundsException("position " + position + " of a tile of width " + width);
        }
        return new Subtree(HEIGHT * level, index * WIDTH + position);
    }

    /** The first leaf the tile spans: {@code index·256^(level+1)}. */
    public long startIndex() {
        return index << (HEIGHT * (level + 1));
    }

    /** {@code tile/<L>/<N>[.p/<W>]}, relative to the log's prefix. */
    public String path() {
        return "tile/" + level + "/" + encodeIndex(index) + partialSuffix();
    }

    /** {@code tile/entries/<N>[.p/<W>]}: the entry bundle beside a level-0 tile. */
    public String entriesPath() {
        if (level != 0) {
            throw new IllegalStateException("entry bundles go with level-0 tiles only");
        }
        return "tile/entries/" + encodeIndex(index) + partialSuffix();
    }

    private String partialSuffix() {
        return isFull() ? "" : ".p/" + width;
    }

    /**
     * N as zero-padded 3-digit path elements, all but the last prefixed with {@code x}: 1234067 is
     * {@code x001/x234/067}, 5 is {@code 005}. So a directory and a file never share a name.
     */
    public static String encodeIndex(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("a tile index is not negative");
        }
        StringBuilder path = new StringBuilder(String.format("%03d", index % 1000));
        for (long rest = index / 1000; rest > 0; rest /= 1000) {
            path.insert(0, String.format("x%03d/", rest % 1000));
        }
        return path.toString();
    }

    /** Reads N back from its path elements, strictly: exactly the form {@link #encodeIndex} writes. */
    static long decodeIndex(List<String> elements) {
        if (elements.isEmpty() || elements.size() > 7) {
            throw new IllegalArgumentException("a tile index has 1 to 7 path elements");
        }
        long index = 0;
        for (int i = 0; i < elements.size(); i++) {
            String e = elements.get(i);
            boolean last = i == elements.size() - 1;
            String digits = last ? e : (e.startsWith("x") ? e.substring(1) : "");
            if (!digits.matches("[0-9]{3}")) {
                throw new IllegalArgumentException("'" + e + "' is not a tile index element");
            }
            index = Math.multiplyExact(index, 1000) + Integer.parseInt(digits);
        }
        if (elements.size() > 1 && elements.get(0).equals("x000")) {
            throw new IllegalArgumentException("a tile index has no leading zero elements");
        }
        return index;
    }

    /** What a tile path names: a hash tile, or the entry bundle of a level-0 tile. */
    public record Address(Tile tile, boolean entries) {
        public String path() {
            return entries ? tile.entriesPath() : tile.path();
        }
    }

    /**
     * Parses {@code tile/<L>/<N>[.p/<W>]} or {@code tile/entries/<N>[.p/<W>]} strictly, so that each tile
     * has exactly one name (a cache or a mirror never holds the same tile twice).
     *
     * @throws IllegalArgumentException when the path is not a tile's
     */
    public static Address parse(String path) {
        String[] parts = path.split("/", -1);
        if (parts.length < 3 || !parts[0].equals("tile")) {
            throw new IllegalArgumentException("a tile path reads tile/<L>/<N>[.p/<W>]");
        }
        boolean entries = parts[1].equals("entries");
        int level = 0;
        if (!entries) {
            if (!parts[1].matches("0|[1-9][0-9]?")) {
                throw new IllegalArgumentException("'" + parts[1] + "' is not a tile level");
            }
            level = Integer.parseInt(parts[1]);
        }
        List<String> elements = new ArrayList<>(List.of(parts).subList(2, parts.length));
        int width = WIDTH;
        int dotP = elements.size() >= 2 ? elements.size() - 2 : -1;
        if (dotP >= 0 && elements.get(dotP).endsWith(".p")) {
            String w = elements.get(dotP + 1);
            if (!w.matches("[1-9][0-9]{0,2}") || Integer.parseInt(w) >= WIDTH) {
                throw new IllegalArgumentException("a partial tile's width is 1 to 255, not '" + w + "'");
            }
            width = Integer.parseInt(w);
            elements.set(dotP, elements.get(dotP).substring(0, elements.get(dotP).length() - 2));
            elements.remove(dotP + 1);
        }
        Tile tile;
        try {
            tile = new Tile(level, decodeIndex(elements), width);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("the tile index is too large", e);
        }
        return new Address(tile, entries);
    }
}
