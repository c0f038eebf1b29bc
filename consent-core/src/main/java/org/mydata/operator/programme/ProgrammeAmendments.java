package org.mydata.operator.programme;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.failure.Require;
import org.mydata.operator.json.Json;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * Amends programmes and answers for their version history. An amendment is one write through the node's
 * {@link LogAppender}: the signed {@code programme-amendment+jwt} record, the new version's row and the
 * programme's new terms are stored in one transaction, or nothing is. Consents are not touched: each stays bound to
 * the version its person signed ({@link Amendments} says what that means for releases).
 */
public final class ProgrammeAmendments {
    private final Transactions tx;
    private final LogAppender appender;
    private final Clock clock;

    public ProgrammeAmendments(Transactions tx, LogAppender appender, Clock clock) {
        this.tx = tx;
        this.appender = appender;
        this.clock = clock;
    }

    /**
     * Amends the programme's terms as the administrator {@code amendedBy} asks, for the reason given.
     *
     * @throws InvalidRequestException when a field is malformed or the amendment changes nothing
     * @throws NotFoundException       when there is no such programme
     */
    public ProgrammeVersion amend(UUID programmeId, String amendedBy, NewAmendment request) {
        String reason = Require.text("reason", request.reason(), 2000);
        String by = Require.text("amendedBy", amendedBy, 200);
        Requested asked = validated(request);
        return appender.submit(c -> {
            Programme programme;
            int version;
            try (PreparedStatement ps = c.prepareStatement("select version from programme where id = ? for update")) {
                ps.setObject(1, programmeId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new NotFoundException("no programme " + programmeId);
                    }
                    version = rs.getInt(1);
                }
            }
            programme = ProgrammeRegistry.find(c, programmeId).orElseThrow();
            ProgrammeTerms before = ProgrammeTerms.of(programme);
            ProgrammeTerms after = asked.applyTo(before);
            Amendments.Assessment assessment = Amendments.assess(before, after);
            if (assessment.changesNothing()) {
                throw new InvalidRequestException("amendment", "the amendment changes nothing in the programme's terms");
            }
            boolean firstWritten = version(c, programmeId, 1).isPresent();
            return b -> {
                Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
                Connection tc = b.connection();
                if (!firstWritten) {
                    insert(tc, new ProgrammeVersion(programmeId, 1, before, before.sha256(), null, List.of(), null,
                            null, null, null, programme.createdAt()));
                }
                int next = version + 1;
                Map<String, Object> claims = new LinkedHashMap<>();
                claims.put("amendment_id", UUID.randomUUID().toString());
                claims.put("programme_id", programmeId.toString());
                claims.put("version", next);
                claims.put("prev_version", version);
                claims.put("prev_terms_sha256", before.sha256());
                claims.put("terms_sha256", after.sha256());
                claims.put("terms", after.toJson());
                claims.put("direction", assessment.direction().wire());
                claims.put("changes", assessment.changes().stream().map(Amendments.Change::toJson).toList());
                claims.put("reason", reason);
                claims.put("amended_by", by);
                claims.put("iat", now.getEpochSecond());
                LogAppender.Appended signed = b.signAtIndex(RecordType.PROGRAMME_AMENDMENT, claims);
                ProgrammeVersion made = new ProgrammeVersion(programmeId, next, after, after.sha256(),
                        assessment.direction(), assessment.changes(), reason, by, signed.record(), signed.logIndex(),
                        now);
                insert(tc, made);
                update(tc, programmeId, after, next);
                return made;
            };
        });
    }

    /** The programme's versions, oldest first; a programme never amended has its version 1 alone. */
    public List<ProgrammeVersion> versions(UUID programmeId) {
        return tx.read(c -> {
            Programme programme = ProgrammeRegistry.find(c, programmeId)
                    .orElseThrow(() -> new NotFoundException("no programme " + programmeId));
            List<ProgrammeVersion> versions = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "select * from programme_version where programme_id = ? order by version")) {
                ps.setObject(1, programmeId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        versions.add(map(rs));
                    }
                }
            }
            if (versions.isEmpty()) {
                ProgrammeTerms terms = ProgrammeTerms.of(programme);
                versions.add(new ProgrammeVersion(programmeId, 1, terms, terms.sha256(), null, List.of(), null, null,
                        null, null, programme.createdAt()));
            }
            return versions;
        });
    }

    /** The programme's current version number (1 for a programme never amended). */
    public static int currentVersion(Connection c, UUID programmeId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select version from programme where id = ?")) {
            ps.setObject(1, programmeId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new NotFoundException("no programme " + programmeId);
                }
                return rs.getInt(1);
            }
        }
    }

    /** amend: the hash of the programme's current terms, as its version's row states it (or as registered). */
    public static String currentTermsSha256(Connection c, Programme programme) throws SQLException {
        int version = currentVersion(c, programme.id());
        return version(c, programme.id(), version).map(ProgrammeVersion::termsSha256)
                .orElseGet(() -> ProgrammeTerms.of(programme).sha256());
    }

    /**
     * permitver: the oldest version of the programme whose consents a permit issued under {@code version} may rely
     * on, as the permit store's queries compute it ({@code Permits.SELECT}).
     */
    public static int oldestReachable(Connection c, UUID programmeId, int version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select " + OLDEST_REACHABLE.formatted("?", "?"))) {
            ps.setObject(1, programmeId);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * permitver: an SQL expression for the oldest version whose consents a permit of programme {@code %1$s} issued
     * under version {@code %2$s} may rely on: the latest version up to it whose amendment widened beyond a release,
     * or 1. {@code verify.release.ProgrammeVersions#oldestReachable} states the rule.
     */
    public static final String OLDEST_REACHABLE = "(select coalesce(max(wv.version), 1) from programme_version wv "
            + "where wv.programme_id = %1$s and wv.widens_beyond_release and wv.version <= %2$s)";

    /** One version as stored; empty for a programme never amended (its version 1 is the programme itself). */
    public static Optional<ProgrammeVersion> version(Connection c, UUID programmeId, int version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select * from programme_version where programme_id = ? and version = ?")) {
            ps.setObject(1, programmeId);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** The terms of one version of the programme: stored, or the programme's own when it was never amended. */
    public static ProgrammeTerms termsOf(Connection c, Programme programme, int version) throws SQLException {
        Optional<ProgrammeVersion> stored = version(c, programme.id(), version);
        if (stored.isPresent()) {
            return stored.get().terms();
        }
        if (version == 1) {
            return ProgrammeTerms.of(programme);
        }
        throw new NotFoundException("programme " + programme.id() + " has no version " + version);
    }

    private static void insert(Connection c, ProgrammeVersion v) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into programme_version (programme_id, version, terms, "
                + "terms_sha256, change, changes, reason, amended_by, record, log_index, created_at, "
                + "widens_beyond_release) values (?,?,?::jsonb,?,?,?::jsonb,?,?,?,?,?,?)")) {
            ps.setObject(1, v.programmeId());
            ps.setInt(2, v.version());
            ps.setString(3, Json.write(v.terms().toJson()));
            ps.setString(4, v.termsSha256());
            ps.setString(5, v.direction() == null ? "initial" : v.direction().wire());
            Map<String, Object> changes = new LinkedHashMap<>();
            changes.put("changes", v.changes().stream().map(Amendments.Change::toJson).toList());
            ps.setString(6, Json.write(changes));
            ps.setString(7, v.reason());
            ps.setString(8, v.amendedBy());
            ps.setString(9, v.record());
            ps.setObject(10, v.logIndex(), java.sql.Types.BIGINT);
            ps.setTimestamp(11, Sql.timestamp(v.createdAt()));
            ps.setBoolean(12, v.widensBeyondRelease());
            ps.executeUpdate();
        }
    }

    private static void update(Connection c, UUID programmeId, ProgrammeTerms t, int version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update programme set (" + ProgrammeRegistry.TERMS_COLUMNS
                + ", version) = (" + ProgrammeRegistry.TERMS_PARAMETERS + ", ?) where id = ?")) {
            int next = ProgrammeRegistry.bindTerms(c, ps, t);
            ps.setInt(next++, version);
            ps.setObject(next, programmeId);
            ps.executeUpdate();
        }
    }

    @SuppressWarnings("unchecked")
    private static ProgrammeVersion map(ResultSet rs) throws SQLException {
        String change = rs.getString("change");
        List<Amendments.Change> changes = ((List<Map<String, Object>>) Json.read(rs.getString("changes"))
                .get("changes")).stream().map(Amendments.Change::fromJson).toList();
        return new ProgrammeVersion(Sql.uuid(rs, "programme_id"), rs.getInt("version"),
                ProgrammeTerms.fromJson(Json.read(rs.getString("terms"))), rs.getString("terms_sha256"),
                Amendments.Direction.fromWire(change).orElse(null), changes, rs.getString("reason"),
                rs.getString("amended_by"), rs.getString("record"), rs.getObject("log_index", Long.class),
                Sql.instant(rs, "created_at"));
    }

    /** The amendment's fields, checked; null where the amendment leaves the field as it is. */
    private record Requested(List<Purpose> purposes, DataScope scope, List<AccessMode> accessModes,
                             List<Promise> promises, List<String> stewards, java.net.URI termsUri, String termsVersion,
                             Map<Language, ProgrammeTexts> texts) {
        ProgrammeTerms applyTo(ProgrammeTerms t) {
            Map<Language, ProgrammeTexts> words = new EnumMap<>(Language.class);
            words.putAll(t.texts());
            if (texts != null) {
                words.putAll(texts);
            }
            return new ProgrammeTerms(purposes != null ? purposes : t.purposes(), scope != null ? scope : t.scope(),
                    accessModes != null ? accessModes : t.accessModes(), promises != null ? promises : t.promises(),
                    stewards != null ? stewards : t.stewards(), termsUri != null ? termsUri : t.termsUri(),
                    termsVersion != null ? termsVersion : t.termsVersion(), t.legalBasis(), words);
        }
    }

    private static Requested validated(NewAmendment r) {
        List<Purpose> purposes = null;
        if (r.purposes() != null) {
            purposes = new ArrayList<>();
            for (String code : Require.nonEmpty("purposes", r.purposes())) {
                Purpose purpose = Purpose.fromCode(code).orElseThrow(() -> new InvalidRequestException("purposes",
                        "'" + code + "' is not a purpose the operator knows (DPV terms such as dpv:ScientificResearch)"));
                if (!purposes.contains(purpose)) {
                    purposes.add(purpose);
                }
            }
        }
        DataScope scope = r.scope() == null ? null : r.scope().validated("scope");
        List<AccessMode> asked = r.accessModes() == null ? null
                : Require.accessModes("accessModes", Require.nonEmpty("accessModes", r.accessModes()));
        // In the order a programme states them, so that the same offer always hashes the same.
        List<AccessMode> modes = asked == null ? null
                : java.util.Arrays.stream(AccessMode.values()).filter(asked::contains).toList();
        List<Promise> promises = null;
        if (r.promises() != null) {
            promises = new ArrayList<>();
            for (String code : r.promises()) {
                Promise promise = Promise.fromCode(code).orElseThrow(() -> new InvalidRequestException("promises",
                        "'" + code + "' is not a promise the operator knows (non-commercial, results-published, "
                                + "stays-in-eea)"));
                if (!promises.contains(promise)) {
                    promises.add(promise);
                }
            }
        }
        List<String> stewards = r.stewards() == null ? null : Require.nonEmpty("stewards", r.stewards()).stream()
                .map(s -> Require.text("stewards", s, 200)).distinct().toList();
        java.net.URI termsUri = r.termsUri() == null ? null : Require.linkUri("termsUri", r.termsUri());
        String termsVersion = r.termsVersion() == null ? null : Require.text("termsVersion", r.termsVersion(), 50);
        Map<Language, ProgrammeTexts> texts = r.texts() == null ? null : ProgrammeRegistry.requestedTexts(r.texts());
        return new Requested(purposes, scope, modes, promises, stewards, termsUri, termsVersion, texts);
    }
}
