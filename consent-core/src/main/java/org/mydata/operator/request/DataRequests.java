package org.mydata.operator.request;

import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.Permits;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.ForbiddenException;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.failure.Require;
import org.mydata.operator.json.Json;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.notify.NotificationType;
import org.mydata.operator.notify.Outbox;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeAmendments;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.release.IssuedUnder;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.TermsOfUse;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * Researchers' data requests and the stewards' decisions. An approval issues a signed permit whose
 * purposes and scope are the intersection of the request's and the programme's, never wider.
 */
public final class DataRequests {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Transactions tx;
    private final LogAppender appender;
    private final Clock clock;

    public DataRequests(Transactions tx, LogAppender appender, Clock clock) {
        this.tx = tx;
        this.appender = appender;
        this.clock = clock;
    }

    /** The steward's verdict on a request. */
    public enum Decision {
        APPROVE,
        REJECT
    }

    public DataRequest submit(String researcher, NewDataRequest request) {
        Instant now = Instant.now(clock);
        if (request.programmeId() == null) {
            throw new InvalidRequestException("programmeId", "programmeId is required");
        }
        String title = Require.text("title", request.title(), 300);
        String justification = Require.text("justification", request.justification(), 8000);
        String organisation = request.organisation() == null ? researcher : Require.text("organisation",
                request.organisation(), 200);
        Purpose purpose = Purpose.fromCode(Require.text("purpose", request.purpose(), 100)).orElseThrow(() ->
                new InvalidRequestException("purpose", "'" + request.purpose() + "' is not a purpose the operator knows"));
        if (request.scope() == null) {
            throw new InvalidRequestException("scope", "scope is required");
        }
        DataScope scope = request.scope().validated("scope");
        if (request.validUntil() == null || !request.validUntil().isAfter(now)) {
            throw new InvalidRequestException("validUntil", "validUntil is required and must lie in the future");
        }
        AccessMode mode = request.accessMode() == null ? AccessMode.RECORDS
                : Require.accessMode("accessMode", request.accessMode());
        return tx.inTransaction(c -> {
            Programme programme = ProgrammeRegistry.find(c, request.programmeId())
                    .orElseThrow(() -> new NotFoundException("no programme " + request.programmeId()));
            if (!programme.allowsPurpose(purpose)) {
                throw new InvalidRequestException("purpose", "the programme's donors did not consent to " + purpose.code());
            }
            if (scope.resourceTypes().stream().noneMatch(programme.scope().resourceTypes()::contains)) {
                throw new InvalidRequestException("scope", "the programme holds none of the requested resource types");
            }
            if (!programme.offers(mode)) {
                throw new InvalidRequestException("accessMode", "the programme does not offer " + mode.wireName()
                        + " access" + (request.accessMode() == null ? " (a request without accessMode asks for "
                        + "records)" : ""));
            }
            UUID id = UUID.randomUUID();
            try (PreparedStatement ps = c.prepareStatement("insert into data_request (id, programme_id, requester, "
                    + "organisation, title, purpose, scope, justification, valid_until, status, created_at, "
                    + "access_mode) values (?,?,?,?,?,?,?::jsonb,?,?,'pending',?,?)")) {
                ps.setObject(1, id);
                ps.setObject(2, programme.id());
                ps.setString(3, researcher);
                ps.setString(4, organisation);
                ps.setString(5, title);
                ps.setString(6, purpose.code());
                ps.setString(7, Json.write(scope.toJson()));
                ps.setString(8, justification);
                ps.setTimestamp(9, Sql.timestamp(request.validUntil()));
                ps.setTimestamp(10, Sql.timestamp(now));
                ps.setString(11, mode.wireName());
                ps.executeUpdate();
            }
            return load(c, id).orElseThrow();
        });
    }

    /** The researcher's own requests. */
    public List<DataRequest> ofResearcher(String researcher) {
        return tx.read(c -> query(c, "select * from data_request where requester = ? order by created_at, id", researcher));
    }

    public DataRequest ofResearcher(String researcher, UUID id) {
        return tx.read(c -> load(c, id)).filter(r -> r.requester().equals(researcher))
                .orElseThrow(() -> new NotFoundException("no data request " + id));
    }

    /** Requests to the programmes the steward decides for. */
    public List<DataRequest> forSteward(String steward) {
        return tx.read(c -> query(c, "select r.* from data_request r join programme p on p.id = r.programme_id "
                + "where ? = any (p.stewards) order by r.created_at, r.id", steward));
    }

    public DataRequest decide(String steward, UUID requestId, Decision decision, String reason) {
        return decide(steward, null, requestId, decision, reason);
    }

    /**
     * A steward's decision. Separation of duties: the requester never decides its own request, nor does a
     * steward of the request's organisation when the steward's organisation is known.
     *
     * @param stewardOrganisation the steward's organisation as its identity provider vouches for it, or null
     *                            when unknown (then only the requester itself is refused)
     */
    public DataRequest decide(String steward, String stewardOrganisation, UUID requestId, Decision decision,
                              String reason) {
        return appender.submit(c -> {
            DataRequest request = lockForSteward(c, steward, requestId);
            if (request.requester().equals(steward)) {
                throw new ForbiddenException(ForbiddenException.SEPARATION_OF_DUTIES, "separation of duties: "
                        + "data request " + requestId + " was made by you; another steward of the programme must "
                        + "decide it");
            }
            if (TermsOfUse.sameOrganisation(stewardOrganisation, request.organisation())) {
                throw new ForbiddenException(ForbiddenException.SEPARATION_OF_DUTIES, "separation of duties: "
                        + "data request " + requestId + " was made from your own organisation; a steward of "
                        + "another organisation must decide it");
            }
            if (request.status() != RequestStatus.PENDING) {
                throw new ConflictException("data request " + requestId + " was already " + request.status().wire());
            }
            String why = reason == null || reason.isBlank() ? null : Require.text("reason", reason, 2000);
            if (decision == Decision.REJECT && why == null) {
                throw new InvalidRequestException("reason", "a rejection needs a reason the researcher can read");
            }
            Programme programme = ProgrammeRegistry.find(c, request.programmeId()).orElseThrow();
            return b -> {
                Connection w = b.connection();
                Instant now = Instant.now(clock);
                String decisionRecord = null;
                Long decisionIndex = null;
                if (decision == Decision.APPROVE) {
                    issuePermit(b, request, programme, steward, stewardOrganisation, now);
                } else {
                    Map<String, Object> claims = new LinkedHashMap<>();
                    claims.put("request_id", requestId.toString());
                    claims.put("programme_id", programme.id().toString());
                    claims.put("decision", "reject");
                    claims.put("requested_by", request.requester());
                    claims.put("decided_by", steward);
                    if (stewardOrganisation != null) {
                        claims.put("decided_by_organisation", stewardOrganisation);
                    }
                    claims.put("reason", why);
                    claims.put("iat", now.getEpochSecond());
                    LogAppender.Appended signed = b.sign(RecordType.REQUEST_DECISION, claims);
                    decisionRecord = signed.record();
                    decisionIndex = signed.logIndex();
                }
                try (PreparedStatement ps = w.prepareStatement("update data_request set status = ?, decided_by = ?, "
                        + "decided_at = ?, reason = ?, decision_record = ?, decision_log_index = ? where id = ?")) {
                    ps.setString(1, decision == Decision.APPROVE ? "approved" : "rejected");
                    ps.setString(2, steward);
                    ps.setTimestamp(3, Sql.timestamp(now));
                    ps.setString(4, why);
                    ps.setString(5, decisionRecord);
                    ps.setObject(6, decisionIndex, java.sql.Types.BIGINT);
                    ps.setObject(7, requestId);
                    ps.executeUpdate();
                }
                return load(w, requestId).orElseThrow();
            };
        });
    }

    /**
     * The permit an approval of the request would issue now, unsigned and without a key: what the steward's
     * re-identification risk report surveys (the same scope and cohort query as the permit itself).
     */
    public Permit prospectivePermit(String steward, UUID requestId) {
        return tx.read(c -> {
            DataRequest request = forSteward(c, steward, requestId);
            Programme programme = ProgrammeRegistry.find(c, request.programmeId()).orElseThrow();
            Instant now = Instant.now(clock);
            return new Permit(UUID.randomUUID(), request.id(), programme.id(), request.requester(),
                    request.organisation(), List.of(request.purpose()), permitScope(request, programme), now,
                    request.validUntil(), "", null, null, now, programme.legalBasis(), request.accessMode(),
                    issuedNow(c, programme));
        });
    }

    /**
     * Keeps the risk report the steward read for a pending request; an approval quotes the last one kept.
     *
     * @param report the figures and their hash, as the steward was shown them
     */
    public void keepRiskReport(String steward, UUID requestId, Map<String, Object> report) {
        tx.inTransaction(c -> {
            forSteward(c, steward, requestId);
            try (PreparedStatement ps = c.prepareStatement("update data_request set risk_report = ?::jsonb "
                    + "where id = ? and status = 'pending'")) {
                ps.setString(1, Json.write(report));
                ps.setObject(2, requestId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /**
     * permitver: the version a permit issued now is issued under (the programme's current one), that version's
     * terms hash, and the oldest version whose consents it may rely on: the latest version up to it whose amendment
     * widened what a release does not intersect ({@code verify.release.ProgrammeVersions}).
     */
    private static IssuedUnder issuedNow(Connection c, Programme programme) throws SQLException {
        int version = ProgrammeAmendments.currentVersion(c, programme.id());
        return new IssuedUnder(version, ProgrammeAmendments.currentTermsSha256(c, programme),
                ProgrammeAmendments.oldestReachable(c, programme.id(), version));
    }

    /** The scope of the permit a request gets: the request's, within the programme's. */
    private static DataScope permitScope(DataRequest request, Programme programme) {
        List<String> types = request.scope().resourceTypes().stream()
                .filter(programme.scope().resourceTypes()::contains).toList();
        return new DataScope(types,
                later(request.scope().dataFrom(), programme.scope().dataFrom()),
                earlier(request.scope().dataUntil(), programme.scope().dataUntil()),
                request.scope().observationCategories());
    }

    /** Ends a permit at once; every gateway request that starts afterwards is refused. */
    public Permit revoke(String steward, UUID permitId, String reason) {
        return appender.submit(c -> {
            Permit permit = Permits.find(c, permitId).orElseThrow(() -> new NotFoundException("no permit " + permitId));
            Programme programme = ProgrammeRegistry.find(c, permit.programmeId()).orElseThrow();
            if (!programme.stewards().contains(steward)) {
                throw new NotFoundException("no permit " + permitId);
            }
            try (PreparedStatement lock = c.prepareStatement("select 1 from permit where id = ? for update")) {
                lock.setObject(1, permitId);
                lock.executeQuery().close();
            }
            Permit current = Permits.find(c, permitId).orElseThrow();
            if (current.revokedAt() != null) {
                throw new ConflictException("permit " + permitId + " was already revoked");
            }
            String why = reason == null || reason.isBlank() ? null : Require.text("reason", reason, 2000);
            return b -> {
                Instant now = Instant.now(clock);
                Map<String, Object> claims = new LinkedHashMap<>();
                claims.put("permit_id", permitId.toString());
                claims.put("revoked_by", steward);
                if (why != null) {
                    claims.put("reason", why);
                }
                claims.put("iat", now.getEpochSecond());
                LogAppender.Appended revocation = b.sign(RecordType.PERMIT_REVOCATION, claims);
                try (PreparedStatement ps = b.connection().prepareStatement("update permit set revoked_at = ?, "
                        + "revoked_by = ?, revocation_record = ?, revocation_log_index = ? where id = ?")) {
                    ps.setTimestamp(1, Sql.timestamp(now));
                    ps.setString(2, steward);
                    ps.setString(3, revocation.record());
                    ps.setLong(4, revocation.logIndex());
                    ps.setObject(5, permitId);
                    ps.executeUpdate();
                }
                // The cohort as it stood just before: the revoked permit reads nothing from now on.
                Outbox.permitEnded(b.connection(), current, NotificationType.PERMIT_REVOKED, revocation.logIndex(),
                        now, now);
                return Permits.find(b.connection(), permitId).orElseThrow();
            };
        });
    }

    private static void issuePermit(LogAppender.Batch b, DataRequest request, Programme programme, String steward,
                                    String stewardOrganisation, Instant now) throws SQLException {
        DataScope scope = permitScope(request, programme);
        IssuedUnder issuedUnder = issuedNow(b.connection(), programme);
        UUID id = UUID.randomUUID();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("permit_id", id.toString());
        claims.put("project_id", request.id().toString());
        claims.put("programme_id", programme.id().toString());
        claims.put("researcher", request.requester());
        claims.put("organisation", request.organisation());
        claims.put("purposes", List.of(request.purpose().code()));
        claims.put("scope", scope.toJson());
        claims.put("valid_from", now.getEpochSecond());
        claims.put("valid_until", request.validUntil().getEpochSecond());
        // How its researcher receives the data: what the gateway and the auditors hold its access events to.
        claims.put("access_mode", request.accessMode().wireName());
        // What the auditors judge its access events by: whom it may include, and through which sources.
        claims.put("legal_basis", programme.legalBasis().wire());
        // permitver: the version of the programme's terms the steward decided under, and their hash; the auditors
        // hold the permit's reach to it (a consent on an older version that a widening since left behind is not).
        claims.put("programme_version", issuedUnder.version());
        claims.put("programme_terms_sha256", issuedUnder.termsSha256());
        if (programme.isOptOut()) {
            claims.put("source_ids", programme.sourceIds().stream().map(UUID::toString).toList());
        }
        Map<String, Object> decision = new LinkedHashMap<>();
        decision.put("decision", "approve");
        // researcher (the requester) and decided_by side by side: an auditor checks the two differ.
        decision.put("decided_by", steward);
        if (stewardOrganisation != null) {
            decision.put("decided_by_organisation", stewardOrganisation);
        }
        decision.put("decided_at", now.getEpochSecond());
        // The re-identification risk report the steward read before approving (figures and hash), if any.
        try (PreparedStatement ps = b.connection().prepareStatement(
                "select risk_report from data_request where id = ?")) {
            ps.setObject(1, request.id());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getString(1) != null) {
                    decision.put("risk", Json.read(rs.getString(1)));
                }
            }
        }
        claims.put("decision", decision);
        claims.put("iat", now.getEpochSecond());
        LogAppender.Appended permit = b.sign(RecordType.PERMIT, claims);
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        Connection c = b.connection();
        try (PreparedStatement ps = c.prepareStatement("insert into permit (id, request_id, programme_id, researcher, "
                + "organisation, purposes, scope, valid_from, valid_until, record, pseudonym_key, created_at, log_index, "
                + "legal_basis, access_mode, programme_version, programme_terms_sha256) "
                + "values (?,?,?,?,?,?,?::jsonb,?,?,?,?,?,?,?,?,?,?)")) {
            ps.setObject(1, id);
            ps.setObject(2, request.id());
            ps.setObject(3, programme.id());
            ps.setString(4, request.requester());
            ps.setString(5, request.organisation());
            ps.setArray(6, Sql.textArray(c, List.of(request.purpose().code())));
            ps.setString(7, Json.write(scope.toJson()));
            ps.setTimestamp(8, Sql.timestamp(now));
            ps.setTimestamp(9, Sql.timestamp(request.validUntil()));
            ps.setString(10, permit.record());
            ps.setBytes(11, key);
            ps.setTimestamp(12, Sql.timestamp(now));
            ps.setLong(13, permit.logIndex());
            ps.setString(14, programme.legalBasis().wire());
            ps.setString(15, request.accessMode().wireName());
            ps.setInt(16, issuedUnder.version());
            ps.setString(17, issuedUnder.termsSha256());
            ps.executeUpdate();
        }
    }

    private static java.time.LocalDate later(java.time.LocalDate a, java.time.LocalDate b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }

    private static java.time.LocalDate earlier(java.time.LocalDate a, java.time.LocalDate b) {
        return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
    }

    private static DataRequest lockForSteward(Connection c, String steward, UUID requestId) throws SQLException {
        return forSteward(c, steward, requestId, " for update of r");
    }

    private static DataRequest forSteward(Connection c, String steward, UUID requestId) throws SQLException {
        return forSteward(c, steward, requestId, "");
    }

    /** The request, if the steward decides for its programme; else not found (as if it did not exist). */
    private static DataRequest forSteward(Connection c, String steward, UUID requestId, String lock)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select r.id from data_request r join programme p "
                + "on p.id = r.programme_id where r.id = ? and ? = any (p.stewards)" + lock)) {
            ps.setObject(1, requestId);
            ps.setString(2, steward);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new NotFoundException("no data request " + requestId);
                }
            }
        }
        return load(c, requestId).orElseThrow();
    }

    private static List<DataRequest> query(Connection c, String sql, String who) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, who);
            try (ResultSet rs = ps.executeQuery()) {
                List<DataRequest> result = new ArrayList<>();
                while (rs.next()) {
                    result.add(map(c, rs));
                }
                return result;
            }
        }
    }

    private static Optional<DataRequest> load(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select * from data_request where id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(c, rs)) : Optional.empty();
            }
        }
    }

    private static DataRequest map(Connection c, ResultSet rs) throws SQLException {
        UUID id = Sql.uuid(rs, "id");
        UUID permitId = null;
        try (PreparedStatement ps = c.prepareStatement("select id from permit where request_id = ?")) {
            ps.setObject(1, id);
            try (ResultSet p = ps.executeQuery()) {
                if (p.next()) {
                    permitId = Sql.uuid(p, "id");
                }
            }
        }
        return new DataRequest(id, Sql.uuid(rs, "programme_id"), rs.getString("requester"), rs.getString("organisation"),
                rs.getString("title"), Purpose.fromCode(rs.getString("purpose")).orElseThrow(),
                DataScope.fromJson(Json.read(rs.getString("scope"))), rs.getString("justification"),
                Sql.instant(rs, "valid_until"),
                RequestStatus.valueOf(rs.getString("status").toUpperCase(java.util.Locale.ROOT)),
                rs.getString("decided_by"), Sql.instant(rs, "decided_at"), rs.getString("reason"),
                rs.getString("decision_record"), permitId, Sql.instant(rs, "created_at"),
                AccessMode.fromWireName(rs.getString("access_mode")).orElseThrow());
    }
}
