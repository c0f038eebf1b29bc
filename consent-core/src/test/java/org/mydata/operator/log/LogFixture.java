package org.mydata.operator.log;

import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.SubtreeHashes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.mydata.operator.signing.Jwks;
import org.mydata.operator.signing.KeyRing;
import org.mydata.operator.signing.KeystoreKeyRing;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.signing.SigningAlgorithm;
import org.mydata.operator.store.Transactions;
import org.mydata.operator.testing.MutableClock;
import org.mydata.operator.testing.TestPostgres;

/** A log on a fresh database of the shared embedded PostgreSQL, with the writers a test makes closed after it. */
final class LogFixture implements AutoCloseable {
    static final String ORIGIN = "operator.example/mydata-log";
    private static KeystoreKeyRing sharedKeyRing;

    final DataSource dataSource = TestPostgres.freshDatabase();
    final Transactions tx = new Transactions(dataSource);
    final MutableClock clock = new MutableClock(Instant.parse("2025-03-01T10:00:00Z"));
    final KeystoreKeyRing keyRing = keyRing();
    static final byte[] NOTE_SEED = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
            24, 25, 26, 27, 28, 29, 30, 31, 32};
    final Ed25519NoteSigner noteSigner = TestNoteSigners.fromSeed(ORIGIN, NOTE_SEED);
    final TransparencyLog log;
    private final List<LogWriter> writers = new ArrayList<>();

    LogFixture() {
        this(UnaryOperator.identity());
    }

    LogFixture(UnaryOperator<SubtreeHashes> observe) {
        log = new TransparencyLog(tx, observe);
    }

    /** Making an Ed25519 keystore takes a moment; one key serves every log test. */
    private static synchronized KeystoreKeyRing keyRing() {
        if (sharedKeyRing == null) {
            try {
                Path dir = Files.createTempDirectory("log-test-keys");
                sharedKeyRing = KeystoreKeyRing.openOrCreate(dir.resolve("operator.p12"), "test".toCharArray(),
                        "operator", SigningAlgorithm.EDDSA, new MutableClock(Instant.parse("2025-01-01T00:00:00Z")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return sharedKeyRing;
    }

    RecordVerifier recordVerifier() {
        return new RecordVerifier(Jwks.toJwkSet(keyRing.publicKeys()));
    }

    LogWriter writer(int maxBatch) {
        return writer(maxBatch, keyRing);
    }

    LogWriter writer(int maxBatch, KeyRing ring) {
        LogWriter w = new LogWriter(dataSource, new CheckpointSigner(ring, clock, ORIGIN, noteSigner),
                new LogWriter.Settings(maxBatch, Duration.ofMillis(5)));
        writers.add(w);
        return w;
    }

    long append(byte[] entry) {
        return tx.inTransaction(c -> LogAppends.append(c, entry));
    }

    /** Runs the writer until it has nothing left; returns every checkpoint it issued on the way. */
    static List<Checkpoint> integrateAll(LogWriter writer) {
        List<Checkpoint> issued = new ArrayList<>();
        while (true) {
            LogWriter.Outcome outcome = writer.runOnce();
            if (outcome instanceof LogWriter.Integrated i) {
                issued.add(i.checkpoint());
            } else if (outcome instanceof LogWriter.UpToDate) {
                return issued;
            } else {
                throw new AssertionError("the writer is not the leader");
            }
        }
    }

    void execute(String sql) throws SQLException {
        try (var c = dataSource.getConnection(); var s = c.createStatement()) {
            s.execute(sql);
        }
    }

    long count(String sql) {
        return tx.read(c -> {
            try (var s = c.createStatement(); var rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Override
    public void close() {
        writers.forEach(LogWriter::close);
    }
}
