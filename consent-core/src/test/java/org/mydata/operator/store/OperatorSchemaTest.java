package org.mydata.operator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.testing.TestPostgres;

class OperatorSchemaTest {
    static DataSource dataSource;

    @BeforeAll
    static void database() {
        dataSource = TestPostgres.freshDatabase();
    }

    private static List<String> strings(String sql) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    @Test
    void migratingAgainOnRestartChangesNothing() throws Exception {
        List<String> before = strings("select version from flyway_schema_history where success order by installed_rank");
        assertThat(before).startsWith("1");

        OperatorSchema.migrate(dataSource);

        assertThat(strings("select version from flyway_schema_history order by installed_rank")).isEqualTo(before);
        assertThat(strings("select table_name from information_schema.tables where table_schema = 'public'"))
                .contains("account", "fhir_source", "programme", "service_link", "consent", "consent_link",
                        "consent_status");
    }

    @Test
    void aDomainFailureInsideATransactionRollsBackItsWrites() throws Exception {
        Transactions tx = new Transactions(dataSource);
        String subject = "rollback-" + UUID.randomUUID();
        assertThatThrownBy(() -> tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into account (id, subject, created_at) values (?, ?, now())")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setString(2, subject);
                ps.executeUpdate();
            }
            throw new NotFoundException("refused after writing");
        })).isInstanceOf(NotFoundException.class);
        assertThat(strings("select subject from account where subject = '" + subject + "'")).isEmpty();
    }

    @Test
    void aUniqueViolationIsAConflictAndOtherDatabaseErrorsAreStoreExceptions() {
        Transactions tx = new Transactions(dataSource);
        UUID id = UUID.randomUUID();
        tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into account (id, subject, created_at) values (?, ?, now())")) {
                ps.setObject(1, id);
                ps.setString(2, "unique-" + id);
                return ps.executeUpdate();
            }
        });
        assertThatThrownBy(() -> tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into account (id, subject, created_at) values (?, ?, now())")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setString(2, "unique-" + id);
                return ps.executeUpdate();
            }
        })).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("select * from no_such_table")) {
                return ps.executeQuery();
            }
        })).isInstanceOf(StoreException.class);
    }
}
