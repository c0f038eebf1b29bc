package org.mydata.operator.consent;

import org.mydata.operator.verify.consent.ConsentStatus;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.account.Account;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.store.OperatorSchema;
import org.mydata.operator.testing.TestOperator;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Counts the SQL statements PostgreSQL executes for one consent status change, with pg_stat_statements
 * on a server of this test's own (the extension must be preloaded, which the shared test server is not).
 * BEGIN and COMMIT count as statements; the driver's per-connection set-up does not (a pool does it once).
 * docs/benchmarks.md keeps the figures.
 */
class StatementCountTest {
    private static EmbeddedPostgres server;
    private static PGSimpleDataSource dataSource;

    @TempDir
    static Path keys;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddedPostgres.builder().setServerConfig("shared_preload_libraries", "pg_stat_statements")
                .setServerConfig("pg_stat_statements.track_utility", "on").start();
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("create database counted");
        }
        dataSource = new PGSimpleDataSource();
        dataSource.setServerNames(new String[] {"localhost"});
        dataSource.setPortNumbers(new int[] {server.getPort()});
        dataSource.setDatabaseName("counted");
        dataSource.setUser("postgres");
        OperatorSchema.migrate(dataSource);
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("create extension pg_stat_statements");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void aStatusChangeTakesFewStatements() throws Exception {
        TestOperator op = new TestOperator(keys, dataSource);
        Programme programme = op.heartStudy();
        Account person = op.newAccount();
        op.link(person, op.source("Hospital A"));
        Consent consent = op.consents.grant(person, new NewConsent(programme.id(), null, null, null, null, null));
        // a consent with some history, as a status write meets it in practice
        for (int i = 0; i < 10; i++) {
            op.consents.changeStatus(person, consent.id(), i % 2 == 0 ? ConsentStatus.PAUSED : ConsentStatus.ACTIVE,
                    StatusRecord.ChangedBy.PERSON, null);
        }

        reset();
        int writes = 20;
        for (int i = 0; i < writes; i++) {
            op.consents.changeStatus(person, consent.id(), i % 2 == 0 ? ConsentStatus.PAUSED : ConsentStatus.ACTIVE,
                    StatusRecord.ChangedBy.PERSON, null);
        }
        double perStatusWrite = (double) statements() / writes;
        System.out.println(breakdown());

        Account another = op.newAccount();
        org.mydata.operator.source.FhirSource hospitalB = op.source("Hospital B");
        reset();
        op.link(another, hospitalB);
        long link = statements();
        reset();
        op.consents.grant(another, new NewConsent(programme.id(), null, null, null, null, null));
        long grant = statements();

        System.out.printf("statements per write (BEGIN and COMMIT included): status change %.1f, link %d, "
                + "consent %d%n", perStatusWrite, link, grant);
        assertThat(perStatusWrite).isLessThanOrEqualTo(20);
    }

    private static void reset() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("select pg_stat_statements_reset()");
        }
    }

    private static String breakdown() throws SQLException {
        StringBuilder out = new StringBuilder();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) "
                     + "from pg_stat_statements where dbid = (select oid from pg_database where datname = "
                     + "current_database()) and query not like '%pg_stat_statements%' order by calls desc")) {
            while (rs.next()) {
                out.append(String.format("%6d  %s%n", rs.getLong(1), rs.getString(2)));
            }
        }
        return out.toString();
    }

    /** Statements executed in the counted database since the reset, not counting this query. */
    private static long statements() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select coalesce(sum(calls), 0) from pg_stat_statements "
                     + "where dbid = (select oid from pg_database where datname = current_database()) "
                     + "and query not like '%pg_stat_statements%' and query not like 'SET application_name%'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
