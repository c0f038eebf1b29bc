package org.mydata.operator.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded PostgreSQL trusts nobody: a connection without the generated secret is refused (also as the
 * superuser, also from this machine), the secret is kept 0600 beside the data, the server listens on the
 * loopback only, stays durable, and a data dir made by an earlier version without a password keeps its data
 * and gets the password at its first start.
 */
class EmbeddedPostgresAuthTest {

    private static Connection connect(EmbeddedPostgresServer server, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        if (password != null) {
            properties.setProperty("password", password);
        }
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + server.port() + "/postgres", properties);
    }

    private static String show(Connection c, String setting) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("show " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aConnectionWithoutTheSecretIsRefusedAndOneWithItIsAccepted(@TempDir Path dataDir) throws Exception {
        Path pg = dataDir.resolve("postgres");
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(pg, null)) {
            Path secret = EmbeddedPostgresServer.secretFile(pg);
            assertThat(Files.getPosixFilePermissions(secret))
                    .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
            String password = Files.readString(secret).strip();
            assertThat(password).hasSizeGreaterThanOrEqualTo(32).isEqualTo(server.password());

            // The server asks for SCRAM, which the driver cannot answer without a password (08004); a wrong one the
            // server itself refuses (28P01).
            assertThatThrownBy(() -> connect(server, null).close()).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08004"));
            assertThatThrownBy(() -> connect(server, "postgres").close()).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));

            try (Connection c = connect(server, password)) {
                assertThat(show(c, "listen_addresses")).isEqualTo("localhost");
                assertThat(show(c, "password_encryption")).isEqualTo("scram-sha-256");
                assertThat(show(c, "fsync")).isEqualTo("on");
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "select rolpassword like 'SCRAM-SHA-256$%' from pg_authid where rolname = 'postgres'")) {
                    rs.next();
                    assertThat(rs.getBoolean(1)).isTrue();
                }
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "select count(*) from pg_hba_file_rules where auth_method not in ('scram-sha-256', 'reject')")) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("pg_hba.conf rules other than SCRAM").isZero();
                }
            }
        }
        // A restart on the same data dir keeps the secret and needs it.
        try (EmbeddedPostgresServer again = EmbeddedPostgresServer.start(pg, null)) {
            assertThatThrownBy(() -> connect(again, null).close()).isInstanceOf(SQLException.class);
            try (Connection c = connect(again, again.password())) {
                assertThat(show(c, "fsync")).isEqualTo("on");
            }
        }
    }

    @Test
    void aDataDirMadeWithoutAPasswordKeepsItsDataAndGetsOne(@TempDir Path dataDir) throws Exception {
        Path pg = dataDir.resolve("postgres");
        // As the previous version made it: initdb with trust, no secret.
        EmbeddedPostgres.Builder old = EmbeddedPostgres.builder().setDataDirectory(pg).setCleanDataDirectory(false);
        EmbeddedPostgresServer.DURABLE.forEach(old::setServerConfig);
        try (EmbeddedPostgres before = old.start(); Connection c = before.getPostgresDatabase().getConnection();
             Statement s = c.createStatement()) {
            s.execute("create table kept (what text)");
            s.execute("insert into kept values ('acknowledged before the upgrade')");
        }
        assertThat(EmbeddedPostgresServer.secretFile(pg)).doesNotExist();

        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(pg, null)) {
            assertThatThrownBy(() -> connect(server, null).close()).isInstanceOf(SQLException.class);
            try (Connection c = connect(server, server.password()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select what from kept")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("acknowledged before the upgrade");
            }
        }
    }
}
