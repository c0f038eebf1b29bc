package org.mydata.operator.permit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.mydata.operator.release.IssuedUnder;
import org.mydata.operator.testing.TestPostgres;

/**
 * permitver: migration V30 gives every permit issued before permits recorded their programme version the version
 * its programme was at then (the latest amendment before it in the log, by time without a log index, else 1) and
 * that version's terms hash where a version row holds it; and marks each version whose amendment widened beyond a
 * release. The permits then read with the oldest version they may reach.
 */
class PermitVersionMigrationTest {
    static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    @Test
    void olderPermitsAreIssuedUnderTheVersionTheirProgrammeWasAtThen() throws Exception {
        DataSource ds = TestPostgres.emptyDatabase();
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").target("29").load().migrate();
        UUID amended = UUID.randomUUID();
        UUID never = UUID.randomUUID();
        UUID beforeV2 = UUID.randomUUID();
        UUID underV2 = UUID.randomUUID();
        UUID underV3 = UUID.randomUUID();
        UUID noIndexUnderV2 = UUID.randomUUID();
        UUID ofNeverAmended = UUID.randomUUID();
        try (Connection c = ds.getConnection()) {
            programme(c, amended, 3);
            programme(c, never, 1);
            version(c, amended, 1, "initial", "[]", null, T0);
            version(c, amended, 2, "widening",
                    "[{\"field\":\"stewards\",\"direction\":\"widening\",\"added\":[\"b\"],\"removed\":[]}]", 10L,
                    T0.plus(Duration.ofDays(2)));
            version(c, amended, 3, "narrowing",
                    "[{\"field\":\"promises\",\"direction\":\"narrowing\",\"added\":[\"non-commercial\"],\"removed\":[]}]",
                    20L, T0.plus(Duration.ofDays(4)));
            permit(c, beforeV2, amended, 5L, T0.plus(Duration.ofDays(1)));
            permit(c, underV2, amended, 15L, T0.plus(Duration.ofDays(3)));
            permit(c, underV3, amended, 25L, T0.plus(Duration.ofDays(5)));
            permit(c, noIndexUnderV2, amended, null, T0.plus(Duration.ofDays(3)));
            permit(c, ofNeverAmended, never, 7L, T0.plus(Duration.ofDays(1)));
        }
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();

        try (Connection c = ds.getConnection()) {
            assertThat(Permits.find(c, beforeV2).orElseThrow().issuedUnder()).isEqualTo(new IssuedUnder(1, "h1", 1));
            assertThat(Permits.find(c, underV2).orElseThrow().issuedUnder()).isEqualTo(new IssuedUnder(2, "h2", 2));
            assertThat(Permits.find(c, noIndexUnderV2).orElseThrow().issuedUnder())
                    .isEqualTo(new IssuedUnder(2, "h2", 2));
            // The narrowing to version 3 blocks nobody; the widening to 2 still lies behind a permit issued under 3.
            assertThat(Permits.find(c, underV3).orElseThrow().issuedUnder()).isEqualTo(new IssuedUnder(3, "h3", 2));
            assertThat(Permits.find(c, ofNeverAmended).orElseThrow().issuedUnder())
                    .isEqualTo(new IssuedUnder(1, null, 1));
        }
    }

    private static void programme(Connection c, UUID id, int version) throws SQLException {
        run(c, "insert into programme (id, name, description, organisation, purposes, scope, terms_uri, terms_version, "
                + "stewards, created_at, version) values (?, 'p', 'd', 'o', '{dpv:ScientificResearch}', "
                + "'{\"resource_types\":[\"Observation\"]}', 'https://t.example', '1', '{a}', ?, ?)", id,
                Timestamp.from(T0), version);
    }

    private static void version(Connection c, UUID programme, int version, String change, String changes,
                                Long logIndex, Instant at) throws SQLException {
        run(c, "insert into programme_version (programme_id, version, terms, terms_sha256, change, changes, record, "
                + "log_index, created_at) values (?, ?, '{}'::jsonb, ?, ?, ?::jsonb, ?, ?, ?)", programme, version,
                "h" + version, change, "{\"changes\":" + changes + "}", logIndex == null ? null : "amendment.jws",
                logIndex, Timestamp.from(at));
    }

    private static void permit(Connection c, UUID id, UUID programme, Long logIndex, Instant at) throws SQLException {
        UUID request = UUID.randomUUID();
        run(c, "insert into data_request (id, programme_id, requester, organisation, title, purpose, scope, "
                + "justification, valid_until, status, decided_by, decided_at, created_at) values (?, ?, 'r', 'o', "
                + "'t', 'dpv:ScientificResearch', '{\"resource_types\":[\"Observation\"]}', 'j', ?, 'approved', "
                + "'s', ?, ?)", request, programme, Timestamp.from(at.plus(Duration.ofDays(365))), Timestamp.from(at),
                Timestamp.from(at));
        run(c, "insert into permit (id, request_id, programme_id, researcher, organisation, purposes, scope, "
                + "valid_from, valid_until, record, pseudonym_key, created_at, log_index) values (?, ?, ?, 'r', 'o', "
                + "'{dpv:ScientificResearch}', '{\"resource_types\":[\"Observation\"]}', ?, ?, 'permit.jws', "
                + "'\\x00'::bytea, ?, ?)", id, request, programme, Timestamp.from(at),
                Timestamp.from(at.plus(Duration.ofDays(365))), Timestamp.from(at), logIndex);
    }

    private static void run(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        }
    }
}
