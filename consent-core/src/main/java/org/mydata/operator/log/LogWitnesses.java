package org.mydata.operator.log;

import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.InvalidProofException;
import org.mydata.operator.verify.log.SignedNote;
import org.mydata.operator.verify.log.WitnessKey;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.mydata.operator.background.PollingThread;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Submits the log's checkpoints to its witnesses (C2SP tlog-witness {@code add-checkpoint}) and keeps their
 * cosignatures. Each witness has a thread of its own, so one that is slow or down holds up nobody: not the
 * writer, which never waits for a witness, and not the other witnesses. A round sends the latest checkpoint
 * note with the consistency proof from the size the witness cosigned last; when the witness says it knows
 * another size (409), the next round at once proves from that one. Failures are retried at the next poll.
 * The cosignatures are checked against the configured witness key before they are kept.
 */
public final class LogWitnesses implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogWitnesses.class);

    /** A witness: where its {@code add-checkpoint} lives ({@code <url>/add-checkpoint}) and its cosigning key. */
    public record Witness(String url, WitnessKey key) {
        public Witness {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(key, "key");
            url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        }
    }

    /** @param timeout for connecting and for each answer; @param pollInterval between rounds of one witness */
    public record Settings(Duration timeout, Duration pollInterval) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(10), Duration.ofSeconds(2));
        }
    }

    /** What one submission came to. */
    sealed interface Outcome {
    }

    /** Nothing new to submit. */
    record UpToDate(long size) implements Outcome {
    }

    record Cosigned(long size, String signatureLine) implements Outcome {
    }

    /** The witness knows another size; the next submission proves from it. */
    record Resync(long witnessSize) implements Outcome {
    }

    record Refused(int status, String reason) implements Outcome {
    }

    private final TransparencyLog log;
    private final Transactions tx;
    private final List<Witness> witnesses;
    private final Settings settings;
    private final Clock clock;
    private final HttpClient http;
    private final List<PollingThread> threads = new ArrayList<>();

    public LogWitnesses(Transactions tx, TransparencyLog log, List<Witness> witnesses, Settings settings, Clock clock) {
        this.tx = Objects.requireNonNull(tx, "tx");
        this.log = Objects.requireNonNull(log, "log");
        this.witnesses = List.copyOf(witnesses);
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
    }

    public List<Witness> witnesses() {
        return witnesses;
    }

    /** One thread per witness, each polling on its own. */
    synchronized void start() {
        if (!threads.isEmpty()) {
            return;
        }
        for (Witness w : witnesses) {
            PollingThread thread = new PollingThread("log-witness-" + w.key().name(), settings.pollInterval(),
                    () -> submit(w) instanceof Resync,
                    e -> LOG.warn("submitting the checkpoint to witness {} failed; retrying after the poll interval: {}",
                            w.key().name(), e.toString()));
            threads.add(thread);
            thread.start();
        }
    }

    /** Asks every witness thread for a round now (after a checkpoint was signed). */
    void wakeUp() {
        threads.forEach(PollingThread::wakeUp);
    }

    @Override
    public synchronized void close() {
        threads.forEach(PollingThread::close);
        threads.clear();
    }

    /** One submission of the latest checkpoint to one witness. */
    public Outcome submit(Witness witness) {
        Optional<Checkpoint> latest = log.latestCheckpoint();
        Optional<String> note = latest.flatMap(c -> log.checkpointNote(c.treeSize()));
        if (latest.isEmpty() || note.isEmpty()) {
            return new UpToDate(0);
        }
        long size = latest.get().treeSize();
        long old = cosignedSize(witness);
        if (old == size && cosigned(witness, size)) {
            return new UpToDate(size);
        }
        if (old > size) {
            return new Refused(0, "the witness cosigned " + old + " entries, more than this log's " + size);
        }
        StringBuilder body = new StringBuilder("old ").append(old).append('\n');
        if (old > 0) {
            log.consistencyProof(old, size).consistency().forEach(h -> body.append(h.base64()).append('\n'));
        }
        body.append('\n').append(note.get());
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(URI.create(witness.url() + "/add-checkpoint"))
                    .timeout(settings.timeout())
                    .header("Content-Type", "text/plain; charset=utf-8")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("witness " + witness.key().name() + " unreachable", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Refused(0, "interrupted");
        }
        if (response.statusCode() == 409 && response.headers().firstValue("Content-Type").orElse("")
                .startsWith("text/x.tlog.size")) {
            String text = response.body().strip();
            if (!text.matches("0|[1-9][0-9]{0,18}")) {
                return new Refused(409, "the witness's size is not a number");
            }
            long known = Long.parseLong(text);
            if (known > size) {
                LOG.error("witness {} says it cosigned {} entries of this log, which has {}: a fork, or another log "
                        + "under this origin", witness.key().name(), known, size);
                return new Refused(409, "the witness knows a larger tree");
            }
            setCosignedSize(witness, known);
            return new Resync(known);
        }
        if (response.statusCode() != 200) {
            LOG.warn("witness {} refused the checkpoint of {} entries: {} {}", witness.key().name(), size,
                    response.statusCode(), response.body().strip());
            return new Refused(response.statusCode(), response.body().strip());
        }
        String text = note.get().substring(0, note.get().indexOf("\n\n") + 1);
        for (String line : response.body().split("\n")) {
            try {
                SignedNote.Signature signature = SignedNote.parseLine(line);
                if (witness.key().verify(text, signature).isPresent()) {
                    store(witness, size, line + "\n");
                    return new Cosigned(size, line + "\n");
                }
            } catch (InvalidProofException e) {
                // Not a signature line: the specification has the client ignore what it does not know.
            }
        }
        return new Refused(200, "no valid cosignature of " + witness.key().name() + " in the answer");
    }

    private long cosignedSize(Witness witness) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("select cosigned_size from log_witness where witness = ?")) {
                ps.setString(1, witness.key().name());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            }
        });
    }

    private boolean cosigned(Witness witness, long size) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select 1 from log_cosignature where witness = ? and tree_size = ?")) {
                ps.setString(1, witness.key().name());
                ps.setLong(2, size);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    private void setCosignedSize(Witness witness, long size) {
        tx.inTransaction(c -> {
            setCosignedSize(c, witness, size);
            return null;
        });
    }

    private static void setCosignedSize(Connection c, Witness witness, long size) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into log_witness (witness, cosigned_size) "
                + "values (?, ?) on conflict (witness) do update set cosigned_size = excluded.cosigned_size")) {
            ps.setString(1, witness.key().name());
            ps.setLong(2, size);
            ps.executeUpdate();
        }
    }

    private void store(Witness witness, long size, String line) {
        tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into log_cosignature (tree_size, witness, "
                    + "signature_line, received_at) values (?, ?, ?, ?) on conflict (tree_size, witness) do update "
                    + "set signature_line = excluded.signature_line, received_at = excluded.received_at")) {
                ps.setLong(1, size);
                ps.setString(2, witness.key().name());
                ps.setString(3, line);
                ps.setTimestamp(4, Sql.timestamp(clock.instant()));
                ps.executeUpdate();
            }
            setCosignedSize(c, witness, size);
            return null;
        });
    }
}
