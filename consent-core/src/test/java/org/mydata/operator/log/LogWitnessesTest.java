package org.mydata.operator.log;

import org.mydata.operator.verify.log.CheckpointNote;
import org.mydata.operator.verify.testing.NaiveMerkle;
import org.mydata.operator.verify.log.NoteVerifier;
import org.mydata.operator.verify.log.WitnessPolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.witness.Witness;
import org.mydata.operator.witness.WitnessServer;

/** The operator submits its checkpoints to real witnesses over HTTP and publishes their cosignatures. */
class LogWitnessesTest {
    @TempDir
    Path dir;

    @Test
    void eachNewCheckpointIsCosignedWithAProofFromTheLastAndAWitnessThatLostItsStateIsCaughtUp() throws Exception {
        try (LogFixture f = new LogFixture();
             WitnessServer server = WitnessServer.start(witness("w1"), 0)) {
            LogWriter writer = f.writer(100);
            LogWitnesses.Witness w1 = new LogWitnesses.Witness(server.url(), server.witness().key());
            LogWitnesses witnesses = new LogWitnesses(f.tx, f.log, List.of(w1), LogWitnesses.Settings.defaults(), f.clock);
            f.tx.inTransaction(c -> LogAppends.appendAll(c, NaiveMerkle.entries(5)));
            LogFixture.integrateAll(writer);

            assertThat(witnesses.submit(w1)).isInstanceOf(LogWitnesses.Cosigned.class);
            assertThat(witnesses.submit(w1)).isEqualTo(new LogWitnesses.UpToDate(5));
            f.tx.inTransaction(c -> LogAppends.appendAll(c, NaiveMerkle.entries(7).subList(5, 7)));
            LogFixture.integrateAll(writer);
            assertThat(witnesses.submit(w1)).as("a proof from 5 to 7").isInstanceOf(LogWitnesses.Cosigned.class);

            TransparencyLog.PublishedNote published = f.log.publishedCheckpoint(true).orElseThrow();
            assertThat(published.treeSize()).isEqualTo(7);
            assertThat(new WitnessPolicy(List.of(w1.key()), 1).require(published.note())).containsExactly("w1");
            assertThat(CheckpointNote.open(published.note(), LogFixture.ORIGIN, verifier()).treeSize()).isEqualTo(7);
            assertThat(f.log.publishedCheckpoint(false).orElseThrow().note()).isEqualTo(f.log.latestCheckpointNote()
                    .orElseThrow());

            // Another witness, which has never seen the log, answers 409 with its size 0; the next round starts there.
            try (WitnessServer fresh = WitnessServer.start(witness("w2"), 0)) {
                LogWitnesses.Witness w2 = new LogWitnesses.Witness(fresh.url(), fresh.witness().key());
                f.execute("insert into log_witness (witness, cosigned_size) values ('w2', 5)");
                LogWitnesses both = new LogWitnesses(f.tx, f.log, List.of(w1, w2), LogWitnesses.Settings.defaults(),
                        f.clock);
                assertThat(both.submit(w2)).isEqualTo(new LogWitnesses.Resync(0));
                assertThat(both.submit(w2)).isInstanceOf(LogWitnesses.Cosigned.class);
                assertThat(new WitnessPolicy(List.of(w1.key(), w2.key()), 2)
                        .require(f.log.publishedCheckpoint(true).orElseThrow().note())).containsExactly("w1", "w2");
            }
        }
    }

    @Test
    void aWitnessThatIsDownDelaysNeitherTheLogNorTheOtherWitnesses() throws Exception {
        try (LogFixture f = new LogFixture();
             WitnessServer live = WitnessServer.start(witness("live"), 0)) {
            WitnessServer gone = WitnessServer.start(witness("gone"), 0);
            LogWitnesses.Witness down = new LogWitnesses.Witness(gone.url(), gone.witness().key());
            gone.close();
            LogWitnesses.Witness up = new LogWitnesses.Witness(live.url(), live.witness().key());
            LogWitnesses witnesses = new LogWitnesses(f.tx, f.log, List.of(down, up),
                    new LogWitnesses.Settings(java.time.Duration.ofSeconds(2), java.time.Duration.ofMillis(50)), f.clock);
            witnesses.start();
            try {
                f.tx.inTransaction(c -> LogAppends.appendAll(c, NaiveMerkle.entries(3)));
                LogFixture.integrateAll(f.writer(10));
                for (int i = 0; i < 200 && f.count("select count(*) from log_cosignature where tree_size = 3") == 0; i++) {
                    Thread.sleep(50);
                }
                assertThat(f.count("select count(*) from log_cosignature where tree_size = 3 and witness = 'live'"))
                        .isEqualTo(1);
                assertThat(f.count("select count(*) from log_cosignature where witness = 'gone'")).isZero();
                assertThatThrownBy(() -> witnesses.submit(down)).isInstanceOf(UncheckedIOException.class);
            } finally {
                witnesses.close();
            }
        }
    }

    private Witness witness(String name) throws Exception {
        return Witness.open(dir.resolve(name), name, List.of(verifier().verifierKey()), Clock.systemUTC());
    }

    /** The key LogFixture's writer signs its notes with. */
    private static NoteVerifier verifier() {
        return TestNoteSigners.fromSeed(LogFixture.ORIGIN, LogFixture.NOTE_SEED).verifier();
    }
}
