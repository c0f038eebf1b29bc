package org.mydata.operator.verify.log;

import org.mydata.operator.verify.testing.NaiveMerkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tiles against RFC 9162's definitions (via {@link NaiveMerkle}) and C2SP tlog-tiles' examples. */
class TileTest {

    @Test
    void theIndexIsWrittenInThreeDigitElementsAllButTheLastPrefixedWithX() {
        assertThat(Tile.encodeIndex(0)).isEqualTo("000");
        assertThat(Tile.encodeIndex(5)).isEqualTo("005");
        assertThat(Tile.encodeIndex(999)).isEqualTo("999");
        assertThat(Tile.encodeIndex(1000)).isEqualTo("x001/000");
        assertThat(Tile.encodeIndex(1234067)).isEqualTo("x001/x234/067");
        assertThat(new Tile(0, 1234067, 256).path()).isEqualTo("tile/0/x001/x234/067");
        assertThat(new Tile(2, 7, 17).path()).isEqualTo("tile/2/007.p/17");
        assertThat(new Tile(0, 1000, 3).entriesPath()).isEqualTo("tile/entries/x001/000.p/3");
    }

    @Test
    void pathsParseBackToTheSameTileAndOnlyTheCanonicalFormParses() {
        for (Tile t : List.of(new Tile(0, 0, 256), new Tile(0, 1234067, 1), new Tile(3, 1000, 255),
                new Tile(1, 999, 256))) {
            assertThat(Tile.parse(t.path())).isEqualTo(new Tile.Address(t, false));
            if (t.level() == 0) {
                assertThat(Tile.parse(t.entriesPath())).isEqualTo(new Tile.Address(t, true));
            }
        }
        for (String bad : List.of("tile/0/1", "tile/0/0001", "tile/00/000", "tile/0/x000/001", "tile/0/001/002",
                "tile/0/000.p/256", "tile/0/000.p/0", "tile/0/000.p/07", "tile/-1/000", "tile/entries", "tiles/0/000",
                "tile/0/x001", "tile/0/000.p")) {
            assertThatThrownBy(() -> Tile.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aTreeOf70000HasTheTilesTheSpecificationLists() {
        List<Tile> tiles = Tile.allInTree(70_000);
        assertThat(tiles.stream().filter(t -> t.level() == 0 && t.isFull()).count()).isEqualTo(273);
        assertThat(tiles).contains(new Tile(0, 273, 112), new Tile(1, 0, 256), new Tile(1, 1, 17), new Tile(2, 0, 1));
        assertThat(tiles).hasSize(273 + 1 + 1 + 1 + 1);
        assertThat(Tile.allInTree(256)).containsExactly(new Tile(0, 0, 256), new Tile(1, 0, 1));
        assertThat(Tile.allInTree(0)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 255, 256, 257, 511, 513})
    void eachTileHashIsTheMthOfItsRangeAsTheSpecificationDefinesIt(int size) {
        List<byte[]> entries = NaiveMerkle.entries(size);
        MemoryTree tree = MemoryTree.of(entries);
        for (Tile tile : Tile.allInTree(size)) {
            List<Hash> hashes = TileHashes.of(tile, tree);
            long span = 1L << (Tile.HEIGHT * tile.level());
            for (int i = 0; i < tile.width(); i++) {
                long from = (tile.index() * Tile.WIDTH + i) * span;
                // MTH(D[(n*256 + i) * 256^l : (n*256 + i + 1) * 256^l])
                assertThat(hashes.get(i).bytes()).as(tile.path() + " #" + i)
                        .isEqualTo(NaiveMerkle.mth(entries.subList((int) from, (int) (from + span))));
            }
        }
        assertTilesReadBack(entries, tree);
    }

    /** 65,536 + 1 entries: two full levels and a third one started, built in memory rather than by a server. */
    @Test
    void aLogOf65537EntriesHasThreeTileLevelsAndReadsBackFromThem() {
        List<byte[]> entries = NaiveMerkle.entries(65_537);
        MemoryTree tree = MemoryTree.of(entries);
        List<Tile> tiles = Tile.allInTree(65_537);
        assertThat(tiles.stream().filter(t -> t.level() == 0)).hasSize(257)
                .last().isEqualTo(new Tile(0, 256, 1));
        assertThat(tiles.stream().filter(t -> t.level() == 1)).containsExactly(new Tile(1, 0, 256));
        assertThat(tiles.stream().filter(t -> t.level() == 2)).containsExactly(new Tile(2, 0, 1));
        assertThat(TileHashes.of(new Tile(2, 0, 1), tree).get(0)).isEqualTo(tree.root(65_536));
        assertThat(TileHashes.of(new Tile(1, 0, 256), tree).get(255).bytes())
                .isEqualTo(NaiveMerkle.mth(entries.subList(65_280, 65_536)));
        assertTilesReadBack(entries, tree);
    }

    @Test
    void anEntryBundleIsLengthPrefixedAndAnErasedEntryIsEmpty() throws Exception {
        byte[] bundle = EntryBundle.encode(java.util.Arrays.asList(new byte[] {'a', 'b'}, null, new byte[300]));
        assertThat(bundle).hasSize(2 + 2 + 2 + 2 + 300);
        assertThat(bundle[0]).isEqualTo((byte) 0);
        assertThat(bundle[1]).isEqualTo((byte) 2);
        assertThat(bundle[6]).isEqualTo((byte) 1);
        assertThat(bundle[7]).isEqualTo((byte) 44);
        List<byte[]> back = EntryBundle.decode(bundle, 3);
        assertThat(back.get(0)).containsExactly('a', 'b');
        assertThat(back.get(1)).isNull();
        assertThat(back.get(2)).hasSize(300);
        assertThatThrownBy(() -> EntryBundle.decode(bundle, 4)).isInstanceOf(InvalidProofException.class);
        assertThatThrownBy(() -> EntryBundle.decode(java.util.Arrays.copyOf(bundle, 9), 3))
                .isInstanceOf(InvalidProofException.class);
        assertThat(EntryBundle.encode(List.of(new byte[65_536], new byte[65_535])))
                .as("an entry too long for a 16-bit length is left out, as if erased").hasSize(2 + 2 + 65_535);
    }

    /** Publishes every tile and bundle of the tree, then computes roots and proofs from them alone. */
    private static void assertTilesReadBack(List<byte[]> entries, MemoryTree tree) {
        int size = entries.size();
        Map<String, byte[]> published = new HashMap<>();
        for (Tile tile : Tile.allInTree(size)) {
            published.put(tile.path(), TileHashes.encode(TileHashes.of(tile, tree)));
            if (tile.level() == 0) {
                int from = (int) tile.startIndex();
                published.put(tile.entriesPath(), EntryBundle.encode(entries.subList(from, from + tile.width())));
            }
        }
        List<String> fetched = new ArrayList<>();
        TileSource source = path -> {
            fetched.add(path);
            byte[] bytes = published.get(path);
            if (bytes == null) {
                throw new IOException("no " + path);
            }
            return bytes;
        };
        TiledSubtrees tiled = new TiledSubtrees(size, source);
        assertThat(MerkleTree.root(size, tiled)).isEqualTo(tree.root());
        for (long m : List.of(0L, 1L, (long) size / 2, size - 1L, 255L, 256L)) {
            if (m >= size) {
                continue;
            }
            assertThat(MerkleTree.inclusionProof(m, size, tiled)).as("PATH(" + m + ")")
                    .isEqualTo(tree.inclusionProof(m, size));
            assertThat(MerkleTree.consistencyProof(m, size, tiled)).as("PROOF(" + m + ")")
                    .isEqualTo(tree.consistencyProof(m, size));
            if (m > 0) {
                assertThat(MerkleTree.root(m, tiled)).isEqualTo(tree.root(m));
            }
        }
        assertThat(fetched).doesNotHaveDuplicates();
        Tile last = Tile.inTree(0, (size - 1) / Tile.WIDTH, size).orElseThrow();
        try {
            List<LogEntry> read = TileReader.entriesOf(last, source, tiled);
            assertThat(read).hasSize(last.width());
            assertThat(read.get(read.size() - 1).entry()).isEqualTo(entries.get(size - 1));
            assertThat(read.get(0).index()).isEqualTo(last.startIndex());
        } catch (IOException | InvalidProofException e) {
            throw new AssertionError(e);
        }
        assertThatThrownBy(() -> tiled.hash(new Subtree(0, size))).isInstanceOf(IllegalStateException.class);
    }
}
