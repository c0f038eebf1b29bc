package org.mydata.operator.permit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.json.Json;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.ProgrammeAmendments;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.release.IssuedUnder;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.LegalBasis;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/** Reads permits: for their researcher, and for the gateway at the start of every request. */
public final class Permits {
    private final Transactions tx;

    public Permits(Transactions tx) {
        this.tx = tx;
    }

    /** A permit the gateway may serve now, with its pseudonymisation key. */
    public record UsablePermit(Permit permit, PseudonymKey key) {
    }

    /** The per-permit secret behind pseudonyms; its bytes are copied out and never printed. */
    public static final class PseudonymKey {
        private final byte[] bytes;

        public PseudonymKey(byte[] bytes) {
            this.bytes = bytes.clone();
        }

        byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public String toString() {
            return "PseudonymKey[***]";
        }
    }

    /**
     * The permit, if {@code caller} owns it and it is usable at {@code now}; empty otherwise, without
     * saying which, so nobody learns that a permit exists that is not theirs. Read from the database
     * every time: a revocation that has returned to the steward is seen by the next request on any node.
     */
    public Optional<UsablePermit> forUse(UUID permitId, String caller, Instant now) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + " where permit.id = ? and researcher = ?")) {
                ps.setObject(1, permitId);
                ps.setString(2, caller);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<UsablePermit>empty();
                    }
                    Permit permit = map(rs);
                    return permit.isUsable(now)
                            ? Optional.of(new UsablePermit(permit, new PseudonymKey(rs.getBytes("pseudonym_key"))))
                            : Optional.<UsablePermit>empty();
                }
            }
        });
    }

    public Permit ofResearcher(String researcher, UUID permitId) {
        return tx.read(c -> find(c, permitId)).filter(p -> p.researcher().equals(researcher))
                .orElseThrow(() -> new NotFoundException("no permit " + permitId));
    }

    /** Every permit ever issued for the programme, oldest first, on the caller's connection. */
    public static List<Permit> ofProgramme(Connection c, UUID programmeId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                SELECT + " where permit.programme_id = ? order by permit.created_at, permit.id")) {
            ps.setObject(1, programmeId);
            try (ResultSet rs = ps.executeQuery()) {
                List<Permit> permits = new ArrayList<>();
                while (rs.next()) {
                    permits.add(map(rs));
                }
                return permits;
            }
        }
    }

    /** The permits of each of these programmes, in one statement (the log appender's batches ask for many). */
    public static java.util.Map<UUID, List<Permit>> ofProgrammes(Connection c, java.util.Collection<UUID> programmeIds)
            throws SQLException {
        java.util.Map<UUID, List<Permit>> permits = new java.util.HashMap<>();
        if (programmeIds.isEmpty()) {
            return permits;
        }
        try (PreparedStatement ps = c.prepareStatement("select permit.*, " + reachColumn("permit")
                + " from permit where programme_id = any (?) order by created_at, id")) {
            ps.setArray(1, c.createArrayOf("uuid", programmeIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Permit permit = map(rs);
                    permits.computeIfAbsent(permit.programmeId(), k -> new ArrayList<>()).add(permit);
                }
            }
        }
        return permits;
    }

    /** The permit's pseudonyms, for naming persons to its holder as the gateway names them. */
    public static PermitPseudonyms pseudonyms(Connection c, UUID permitId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select pseudonym_key from permit where id = ?")) {
            ps.setObject(1, permitId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new NotFoundException("no permit " + permitId);
                }
                return new PermitPseudonyms(new PseudonymKey(rs.getBytes(1)));
            }
        }
    }

    public static Optional<Permit> find(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT + " where permit.id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /**
     * The permit, share-locked for the caller's transaction: a revocation (which takes the row for update) waits
     * for it, or has committed and is seen here. {@code AccessLog}'s last check reads the permit this way.
     */
    public static Optional<Permit> findShareLocked(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT + " where permit.id = ? for share of permit")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /**
     * A permit with its programme's current terms beside it ({@link #programmeColumns}), so that every release
     * reads the permit within them (amend: a narrowing amendment applies at once).
     */
    static final String SELECT = "select permit.*, " + programmeColumns("g") + ", " + reachColumn("permit")
            + " from permit join programme g on g.id = permit.programme_id";

    /**
     * permitver: the oldest programme version whose consents the permit (the permit table aliased {@code alias}) may
     * rely on, as {@link #map} reads it: every query that maps permits selects it.
     */
    static String reachColumn(String alias) {
        return ProgrammeAmendments.OLDEST_REACHABLE.formatted(alias + ".programme_id", alias + ".programme_version")
                + " as oldest_reachable_version";
    }

    /** The programme's current terms as {@link #map} reads them, from the programme table aliased {@code alias}. */
    static String programmeColumns(String alias) {
        return alias + ".purposes as programme_purposes, " + alias + ".scope as programme_scope, " + alias
                + ".access_modes as programme_access_modes";
    }

    private static org.mydata.operator.release.ProgrammeBounds programmeNow(ResultSet rs) throws SQLException {
        java.sql.ResultSetMetaData meta = rs.getMetaData();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            if (meta.getColumnLabel(i).equals("programme_purposes")) {
                return new org.mydata.operator.release.ProgrammeBounds(Sql.strings(rs, "programme_purposes").stream()
                        .map(p -> Purpose.fromCode(p).orElseThrow()).toList(),
                        DataScope.fromJson(Json.read(rs.getString("programme_scope"))),
                        Sql.accessModes(rs, "programme_access_modes"));
            }
        }
        return null;
    }

    static Permit map(ResultSet rs) throws SQLException {
        return new Permit(Sql.uuid(rs, "id"), Sql.uuid(rs, "request_id"), Sql.uuid(rs, "programme_id"),
                rs.getString("researcher"), rs.getString("organisation"),
                Sql.strings(rs, "purposes").stream().map(p -> Purpose.fromCode(p).orElseThrow()).toList(),
                DataScope.fromJson(Json.read(rs.getString("scope"))), Sql.instant(rs, "valid_from"),
                Sql.instant(rs, "valid_until"), rs.getString("record"), Sql.instant(rs, "revoked_at"),
                rs.getString("revocation_record"), Sql.instant(rs, "created_at"),
                LegalBasis.fromWire(rs.getString("legal_basis")).orElseThrow(),
                AccessMode.fromWireName(rs.getString("access_mode")).orElseThrow(),
                new IssuedUnder(rs.getInt("programme_version"), rs.getString("programme_terms_sha256"),
                        rs.getInt("oldest_reachable_version")), programmeNow(rs));
    }

}
