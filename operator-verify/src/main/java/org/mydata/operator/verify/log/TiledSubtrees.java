package org.mydata.operator.verify.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The complete subtrees of a tree of a known size, read from its tiles, so that {@link MerkleTree} computes
 * roots, inclusion and consistency proofs from a static mirror exactly as from the operator's database.
 * A subtree at tree level 8·L + k (k &lt; 8) is the MTH of 2^k consecutive hashes of one level-L tile,
 * recomputed here; the tile is fetched once and kept. Not thread-safe.
 */
public final class TiledSubtrees implements SubtreeHashes {
    private final long treeSize;
    private final TileSource source;
    private final Map<Tile, List<Hash>> tiles = new HashMap<>();

    public TiledSubtrees(long treeSize, TileSource source) {
        if (treeSize < 0) {
            throw new IllegalArgumentException("tree size must not be negative");
        }
        this.treeSize = treeSize;
        this.source = source;
    }

    /**
     * @throws IllegalStateException when the tree of this size has no such complete subtree, or a tile is malformed
     * @throws UncheckedIOException  when a tile could not be read
     */
    @Override
    public Hash hash(Subtree subtree) {
        int tileLevel = subtree.level() / Tile.HEIGHT;
        int height = subtree.level() % Tile.HEIGHT;
        long first = subtree.index() << height;
        long count = 1L << height;
        if (first + count > Tile.hashesAtLevel(tileLevel, treeSize)) {
            throw new IllegalStateException("a tree of " + treeSize + " leaves has no complete subtree " + subtree);
        }
        Tile tile = Tile.inTree(tileLevel, first / Tile.WIDTH, treeSize).orElseThrow();
        List<Hash> hashes = tile(tile);
        int from = (int) (first % Tile.WIDTH);
        return fold(hashes.subList(from, from + (int) count));
    }

    /** The hashes of one tile of this tree, fetched once. */
    public List<Hash> tile(Tile tile) {
        List<Hash> hashes = tiles.get(tile);
        if (hashes == null) {
            try {
                hashes = TileHashes.decode(tile, source.read(tile.path()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InvalidProofException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            tiles.put(tile, hashes);
        }
        return hashes;
    }

    /** The MTH of a power-of-two run of hashes: pairs hashed level by level. */
    static Hash fold(List<Hash> run) {
        List<Hash> level = run;
        while (level.size() > 1) {
            Hash[] up = new Hash[level.size() / 2];
            for (int i = 0; i < up.length; i++) {
                up[i] = MerkleTree.nodeHash(level.get(2 * i), level.get(2 * i + 1));
            }
            level = List.of(up);
        }
        return level.get(0);
    }
}
