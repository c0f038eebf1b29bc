package org.mydata.operator.log;

import org.mydata.operator.verify.log.EntryBundle;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.verify.log.MemoryTree;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.verify.testing.NaiveMerkle;
import org.mydata.operator.verify.log.Tile;
import org.mydata.operator.verify.log.TileHashes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tiles PostgreSQL serves are the tiles the definitions give, around the first tile boundary. */
class LogTilesTest {

    @Test
    void tilesFromTheDatabaseMatchTheTreeAt255And256And257Entries() {
        try (LogFixture f = new LogFixture()) {
            LogWriter writer = f.writer(1000);
            List<byte[]> entries = new ArrayList<>(NaiveMerkle.entries(257));
            f.tx.inTransaction(c -> LogAppends.appendAll(c, entries.subList(0, 255)));
            LogFixture.integrateAll(writer);
            assertTilesMatch(f, entries.subList(0, 255));
            assertThat(f.log.hashTile(Tile.full(0, 0))).as("not full before 256").isEmpty();

            f.append(entries.get(255));
            LogFixture.integrateAll(writer);
            assertTilesMatch(f, entries.subList(0, 256));
            assertThat(f.log.hashTile(new Tile(0, 0, 255))).as("the partial tile of the earlier checkpoint stays")
                    .isPresent();

            f.append(entries.get(256));
            LogFixture.integrateAll(writer);
            assertTilesMatch(f, entries);
            assertThat(f.log.hashTile(new Tile(0, 1, 2))).as("wider than the signed tree").isEmpty();
            assertThat(f.log.hashTile(new Tile(1, 0, 2))).isEmpty();
            assertThat(f.log.entryBundle(new Tile(0, 2, 1))).isEmpty();

            // Sequenced but not yet signed: not published.
            f.append(new byte[] {'x'});
            assertThat(f.log.hashTile(new Tile(0, 1, 2))).isEmpty();
        }
    }

    @Test
    void anErasedEntryIsEmptyInItsBundleAndKeepsItsLeafHashInTheTile() throws Exception {
        try (LogFixture f = new LogFixture()) {
            List<byte[]> entries = NaiveMerkle.entries(3);
            f.tx.inTransaction(c -> LogAppends.appendAll(c, entries));
            LogFixture.integrateAll(f.writer(10));
            byte[] before = f.log.hashTile(new Tile(0, 0, 3)).orElseThrow();
            boolean erased = f.tx.inTransaction(c -> f.log.erase(c, 1));
            assertThat(erased).isTrue();
            Tile tile = new Tile(0, 0, 3);
            assertThat(f.log.hashTile(tile).orElseThrow()).isEqualTo(before);
            List<LogEntry> read = EntryBundle.entries(tile, f.log.entryBundle(tile).orElseThrow(),
                    TileHashes.decode(tile, before));
            assertThat(read.get(1).erased()).isTrue();
            assertThat(read.get(1).leafHash()).isEqualTo(MerkleTree.leafHash(entries.get(1)));
            assertThat(read.get(2).entry()).isEqualTo(entries.get(2));
        }
    }

    private static void assertTilesMatch(LogFixture f, List<byte[]> entries) {
        MemoryTree tree = MemoryTree.of(entries);
        for (Tile tile : Tile.allInTree(entries.size())) {
            assertThat(f.log.hashTile(tile)).as(tile.path()).hasValueSatisfying(bytes ->
                    assertThat(bytes).isEqualTo(TileHashes.encode(TileHashes.of(tile, tree))));
            if (tile.level() == 0) {
                int from = (int) tile.startIndex();
                assertThat(f.log.entryBundle(tile)).as(tile.entriesPath()).hasValueSatisfying(bytes ->
                        assertThat(bytes).isEqualTo(EntryBundle.encode(entries.subList(from, from + tile.width()))));
            }
        }
    }
}
