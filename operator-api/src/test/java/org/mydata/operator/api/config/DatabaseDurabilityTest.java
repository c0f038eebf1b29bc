package org.mydata.operator.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real PostgreSQL servers, one started with the library's test settings and one durable. */
class DatabaseDurabilityTest {

    @Test
    void aServerThatCouldLoseAcknowledgedCommitsIsRefusedNamingTheSettings(@TempDir Path dir) throws Exception {
        try (EmbeddedPostgres unsafe = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("pg"))
                .setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off").start()) {
            DatabaseDurability.Report report;
            try (Connection c = unsafe.getPostgresDatabase().getConnection()) {
                report = DatabaseDurability.inspect(c);
            }
            assertThat(report.safe()).isFalse();
            assertThat(report.unsafe()).extracting(DatabaseDurability.Setting::name)
                    .containsExactly("fsync", "synchronous_commit", "full_page_writes");

            assertThatThrownBy(() -> DatabaseDurability.require(unsafe.getPostgresDatabase(), "the test PostgreSQL", false))
                    .isInstanceOf(DatabaseDurability.UnsafeDatabaseException.class)
                    .hasMessageContaining("fsync=off").hasMessageContaining("synchronous_commit=off")
                    .hasMessageContaining("full_page_writes=off").hasMessageContaining(DatabaseDurability.OVERRIDE);
            // The documented override lets it start, with a warning.
            assertThat(DatabaseDurability.require(unsafe.getPostgresDatabase(), "the test PostgreSQL", true).safe()).isFalse();
        }
    }

    @Test
    void aDurableServerPassesAndARoleThatTurnsSynchronousCommitOffDoesNot(@TempDir Path dir) throws Exception {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("pg"));
        EmbeddedPostgresServer.DURABLE.forEach(builder::setServerConfig);
        try (EmbeddedPostgres durable = builder.start()) {
            DatabaseDurability.Report report = DatabaseDurability.require(durable.getPostgresDatabase(), "the test PostgreSQL",
                    false);
            assertThat(report.summary()).isEqualTo("fsync=on, synchronous_commit=on, full_page_writes=on");

            // What counts is what the operator's own sessions get: a per-role default is seen and refused.
            try (Connection c = durable.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("create role operator_app login");
                s.execute("alter role operator_app set synchronous_commit = off");
            }
            assertThatThrownBy(() -> DatabaseDurability.require(durable.getDatabase("operator_app", "postgres"),
                    "the test PostgreSQL", false)).hasMessageContaining("synchronous_commit=off")
                    .hasMessageNotContaining("fsync=");
        }
    }
}
