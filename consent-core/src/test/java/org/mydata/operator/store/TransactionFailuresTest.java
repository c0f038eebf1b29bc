package org.mydata.operator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.testing.TestPostgres;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Database failures against a real PostgreSQL: a stopped server, a session that dies while COMMIT runs, an
 * error at commit; and the idempotency key written in the same transaction as the change it guards.
 */
class TransactionFailuresTest {
    static DataSource dataSource;
    static Transactions tx;

    @BeforeAll
    static void database() throws Exception {
        dataSource = TestPostgres.freshDatabase();
        tx = new Transactions(dataSource);
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("create table change (id text primary key)");
            // At COMMIT, a deferred trigger ends its own session: the client's COMMIT never gets an answer.
            s.execute("create function end_own_session() returns trigger language plpgsql as $$ begin "
                    + "if new.id like 'die%' then perform pg_terminate_backend(pg_backend_pid()); perform pg_sleep(5); "
                    + "end if; if new.id like 'refuse%' then raise exception 'refused at commit' using errcode = 'P0001'; "
                    + "end if; return new; end $$");
            s.execute("create constraint trigger at_commit after insert on change deferrable initially deferred "
                    + "for each row execute function end_own_session()");
        }
    }

    private static boolean stored(String id) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("select 1 from change where id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    private static Void insert(Connection c, String id) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into change (id) values (?)")) {
            ps.setString(1, id);
            ps.executeUpdate();
        }
        return null;
    }

    private static IdempotencyKeys.Claim claim(String key, Instant at) {
        return new IdempotencyKeys.Claim("caller-1", key, "fp-" + key, "POST", "/api/v1/things", at,
                at.plus(Duration.ofHours(24)));
    }

    @Test
    void aStoppedServerIsUnavailableForWritesAndReadsAlike() throws Exception {
        EmbeddedPostgres own = EmbeddedPostgres.builder().start();
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {"localhost"});
        ds.setPortNumbers(new int[] {own.getPort()});
        ds.setDatabaseName("postgres");
        ds.setUser("postgres");
        ds.setConnectTimeout(2);
        Transactions ownTx = new Transactions(ds);
        assertThat(ownTx.<Integer>read(c -> 1)).isEqualTo(1);
        own.close();

        assertThatThrownBy(() -> ownTx.inTransaction(c -> 1)).isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.UNAVAILABLE));
        assertThatThrownBy(() -> ownTx.read(c -> 1)).isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.UNAVAILABLE));
    }

    @Test
    void aSessionThatDiesDuringCommitLeavesTheOutcomeUnknownAndTheKeyTellsTheTruth() {
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        IdempotencyKeys keys = new IdempotencyKeys(tx);
        IdempotencyScope scope = IdempotencyScope.open(claim("k-die", now));
        try {
            assertThatThrownBy(() -> tx.inTransaction(c -> insert(c, "die-1")))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.OUTCOME_UNKNOWN));
            assertThat(scope.state()).isEqualTo(IdempotencyScope.State.UNKNOWN);
        } finally {
            scope.close();
        }
        // Here the session died before its commit record was written: no change, so no key either, and a
        // retry with the key carries the request out.
        assertThat(stored("die-1")).isFalse();
        assertThat(keys.find("caller-1", "k-die", now)).isEmpty();
    }

    @Test
    void anErrorTheServerReturnsAtCommitIsAPlainFailure() {
        assertThatThrownBy(() -> tx.inTransaction(c -> insert(c, "refuse-1")))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.FAILED));
        assertThat(stored("refuse-1")).isFalse();
    }

    @Test
    void theKeyIsStoredIfAndOnlyIfTheChangeIs() {
        Instant now = Instant.parse("2030-01-02T00:00:00Z");
        IdempotencyKeys keys = new IdempotencyKeys(tx);

        try (IdempotencyScope refused = IdempotencyScope.open(claim("k-refused", now))) {
            assertThatThrownBy(() -> tx.inTransaction(c -> {
                insert(c, "refused-by-domain");
                throw new NotFoundException("no such thing");
            })).isInstanceOf(NotFoundException.class);
            assertThat(refused.state()).isEqualTo(IdempotencyScope.State.OPEN);
        }
        assertThat(keys.find("caller-1", "k-refused", now)).isEmpty();

        try (IdempotencyScope done = IdempotencyScope.open(claim("k-done", now))) {
            // Reads and bookkeeping outside the scope leave the key for the change itself.
            tx.read(c -> 1);
            IdempotencyScope.outside(() -> tx.inTransaction(c -> insert(c, "bookkeeping")));
            assertThat(done.state()).isEqualTo(IdempotencyScope.State.OPEN);
            tx.inTransaction(c -> insert(c, "done-1"));
            assertThat(done.state()).isEqualTo(IdempotencyScope.State.COMMITTED);
            // A later transaction of the same request does not record it again.
            tx.inTransaction(c -> insert(c, "done-2"));
        }
        IdempotencyKeys.Entry entry = keys.find("caller-1", "k-done", now).orElseThrow();
        assertThat(entry.fingerprint()).isEqualTo("fp-k-done");
        assertThat(entry.response()).isEmpty();
        keys.storeResponse("caller-1", "k-done", new IdempotencyKeys.StoredResponse(201, "application/json",
                "/api/v1/things/1", "{\"id\":1}".getBytes()));
        assertThat(keys.find("caller-1", "k-done", now).orElseThrow().response()).hasValueSatisfying(r -> {
            assertThat(r.status()).isEqualTo(201);
            assertThat(r.location()).isEqualTo("/api/v1/things/1");
            assertThat(new String(r.body())).isEqualTo("{\"id\":1}");
        });
        assertThat(keys.find("caller-2", "k-done", now)).as("keys are per caller").isEmpty();

        // The same key again: the change is refused before it is made.
        try (IdempotencyScope again = IdempotencyScope.open(claim("k-done", now.plusSeconds(1)))) {
            assertThatThrownBy(() -> tx.inTransaction(c -> insert(c, "done-again"))).isInstanceOf(ConflictException.class);
            assertThat(again.state()).isEqualTo(IdempotencyScope.State.TAKEN);
        }
        assertThat(stored("done-again")).isFalse();

        // Once expired, the key is free again.
        Instant later = now.plus(Duration.ofHours(25));
        assertThat(keys.find("caller-1", "k-done", later)).isEmpty();
        try (IdempotencyScope reused = IdempotencyScope.open(claim("k-done", later))) {
            tx.inTransaction(c -> insert(c, "done-after-expiry"));
            assertThat(reused.state()).isEqualTo(IdempotencyScope.State.COMMITTED);
        }
        assertThat(keys.find("caller-1", "k-done", later).orElseThrow().response()).isEmpty();
        assertThat(keys.purgeExpired(later.plus(Duration.ofHours(25)))).isGreaterThanOrEqualTo(1);
    }
}
