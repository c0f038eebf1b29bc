package org.mydata.operator.verify.log;

import java.util.ArrayList;
import java.util.List;

/** The bytes of a hash tile: its hashes, 32 bytes each, concatenated, nothing else. */
public final class TileHashes {
    private TileHashes() {
    }

    public static byte[] encode(List<Hash> hashes) {
        byte[] out = new byte[hashes.size() * Hash.LENGTH];
        for (int i = 0; i < hashes.size(); i++) {
            System.arraycopy(hashes.get(i).raw(), 0, out, i * Hash.LENGTH, Hash.LENGTH);
        }
        return out;
    }

    /** Reads a tile's hashes back; the length must be exactly the tile's width. */
    public static List<Hash> decode(Tile tile, byte[] bytes) throws InvalidProofException {
        if (bytes.length != tile.width() * Hash.LENGTH) {
            throw new InvalidProofException(tile.path() + " has " + bytes.length + " bytes, not "
                    + tile.width() * Hash.LENGTH);
        }
        List<Hash> out = new ArrayList<>(tile.width());
        for (int i = 0; i < tile.width(); i++) {
            byte[] h = new byte[Hash.LENGTH];
            System.arraycopy(bytes, i * Hash.LENGTH, h, 0, Hash.LENGTH);
            out.add(new Hash(h));
        }
        return out;
    }

    /** The tile's hashes from a tree that holds its subtrees. */
    public static List<Hash> of(Tile tile, SubtreeHashes source) {
        List<Subtree> subtrees = new ArrayList<>(tile.width());
        for (int i = 0; i < tile.width(); i++) {
            subtrees.add(tile.subtree(i));
        }
        var known = source.hashes(subtrees);
        return subtrees.stream().map(known::get).toList();
    }
}
