package org.mydata.operator.consent;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.json.Json;
import org.mydata.operator.link.ServiceLink;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.release.Validity;
import org.mydata.operator.signing.RecordType;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * Gives, lists and changes consents. Every write goes through the node's {@link LogAppender}, which signs and
 * stores it in one transaction, so a record is either stored and signed or does not exist; status changes of
 * one consent are checked in the order the appender runs them, under the consent's row lock, so its chain
 * never forks.
 */
public final class Consents {
    private final Transactions tx;
    private final LogAppender appender;
    private final Clock clock;

    public Consents(Transactions tx, LogAppender appender, Clock clock) {
        this.tx = tx;
        this.appender = appender;
        this.clock = clock;
    }

    /** The exact consent text the person would be shown for this request, without storing anything. */
    public String preview(Account account, NewConsent request) {
        return tx.read(c -> plan(c, account, request, Instant.now(clock)).text());
    }

    public Consent grant(Account account, NewConsent request) {
        Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
        // Planned on the request's thread in a read: the batch that stores it is shared by many requests.
        Plan plan = tx.read(c -> plan(c, account, request, now));
        if (request.shownTextSha256() != null && !request.shownTextSha256().equals(RecordHash.sha256(plan.text()))) {
            throw new ConflictException("the consent text you were shown is not the one this request would sign; "
                    + "show the current text and ask again");
        }
        UUID id = UUID.randomUUID();
        Terms terms = new Terms(plan.programme().termsUri(), plan.programme().termsVersion(),
                RecordHash.sha256(plan.text()));
        // In the order the database lists them (uuid order is the order of the text form), as a read gives them.
        List<UUID> linkIds = plan.links().stream().map(ServiceLink::id)
                .sorted(java.util.Comparator.comparing(UUID::toString)).toList();
        Instant validUntil = request.validUntil() == null ? null : request.validUntil().truncatedTo(ChronoUnit.MICROS);
        return appender.submit(c -> {
            requireLive(c, linkIds);
            return b -> {
                Map<String, Object> claims = new LinkedHashMap<>();
                claims.put("cr_id", id.toString());
                claims.put("account_id", account.id().toString());
                claims.put("slr_ids", plan.links().stream().map(l -> l.id().toString()).toList());
                claims.put("programme_id", plan.programme().id().toString());
                claims.put("purposes", plan.purposes().stream().map(Purpose::code).toList());
                claims.put("scope", plan.scope().toJson());
                claims.put("valid_from", now.getEpochSecond());
                if (validUntil != null) {
                    claims.put("valid_until", validUntil.getEpochSecond());
                }
                claims.put("terms", termsJson(terms));
                claims.put("iat", now.getEpochSecond());
                LogAppender.Appended cr = b.sign(RecordType.CONSENT, claims);
                Connection c2 = b.connection();
                try (PreparedStatement ps = c2.prepareStatement("insert into consent (id, account_id, programme_id, "
                        + "purposes, scope, valid_from, valid_until, terms, proposal, record, created_at, log_index) "
                        + "values (?,?,?,?,?::jsonb,?,?,?::jsonb,?,?,?,?)")) {
                    ps.setObject(1, id);
                    ps.setObject(2, account.id());
                    ps.setObject(3, plan.programme().id());
                    ps.setArray(4, Sql.textArray(c2, plan.purposes().stream().map(Purpose::code).toList()));
                    ps.setString(5, Json.write(plan.scope().toJson()));
                    ps.setTimestamp(6, Sql.timestamp(now));
                    ps.setTimestamp(7, Sql.timestamp(validUntil));
                    ps.setString(8, Json.write(termsJson(terms)));
                    ps.setString(9, plan.text());
                    ps.setString(10, cr.record());
                    ps.setTimestamp(11, Sql.timestamp(now));
                    ps.setLong(12, cr.logIndex());
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c2.prepareStatement(
                        "insert into consent_link (consent_id, link_id) select ?, unnest(?::uuid[])")) {
                    ps.setObject(1, id);
                    ps.setArray(2, c2.createArrayOf("uuid", linkIds.toArray()));
                    ps.executeUpdate();
                }
                StatusRecord first = appendStatus(b, account, id, ConsentStatus.ACTIVE, StatusRecord.ChangedBy.PERSON,
                        null, null, 1, now);
                return new Consent(id, account.id(), plan.programme().id(), plan.purposes(), plan.scope(), linkIds, now,
                        validUntil, terms, plan.text(), cr.record(), now, List.of(first), cr.logIndex());
            };
        });
    }

    /**
     * Appends a status record and answers with it and the consent's standing, not its history. The check runs
     * in the appender's batch, after every earlier write: the consent's row is locked and its latest status
     * read in one statement (the batch holds the log's head, so no other status write of this consent can be
     * under way), so each record links to the one before it.
     */
    public StatusChange changeStatus(Account account, UUID consentId, ConsentStatus next, StatusRecord.ChangedBy by,
                                     String reason) {
        if (by == StatusRecord.ChangedBy.OPERATOR && (reason == null || reason.isBlank())) {
            throw new InvalidRequestException("reason", "the operator must give a reason when it changes a consent");
        }
        return appender.submit(c -> {
            UUID programmeId;
            Validity validity;
            int sequence;
            ConsentStatus status;
            String previous;
            try (PreparedStatement ps = c.prepareStatement("select c.programme_id, c.valid_from, c.valid_until, s.seq, "
                    + "s.status, s.record from consent c join lateral (select seq, status, record from consent_status "
                    + "where consent_id = c.id order by seq desc limit 1) s on true "
                    + "where c.id = ? and c.account_id = ? for update of c")) {
                ps.setObject(1, consentId);
                ps.setObject(2, account.id());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new NotFoundException("no consent " + consentId);
                    }
                    programmeId = Sql.uuid(rs, "programme_id");
                    validity = new Validity(Sql.instant(rs, "valid_from"), Sql.instant(rs, "valid_until"));
                    sequence = rs.getInt("seq");
                    status = ConsentStatus.fromWire(rs.getString("status")).orElseThrow();
                    previous = rs.getString("record");
                }
            }
            if (status == ConsentStatus.WITHDRAWN) {
                throw new ConflictException("consent " + consentId + " was withdrawn; a withdrawal is final");
            }
            if (!status.mayBecome(next)) {
                throw new ConflictException("consent " + consentId + " is already " + next.wire());
            }
            return b -> new StatusChange(consentId, account.id(), programmeId, validity, appendStatus(b, account,
                    consentId, next, by, reason, RecordHash.sha256(previous), sequence + 1,
                    Instant.now(clock).truncatedTo(ChronoUnit.MICROS)));
        });
    }

    /** Refuses a consent whose links were removed after it was planned. */
    private static void requireLive(Connection c, List<UUID> linkIds) throws SQLException {
        int live = 0;
        try (PreparedStatement ps = c.prepareStatement(
                "select id from service_link where id = any (?) and removed_at is null for share")) {
            ps.setArray(1, c.createArrayOf("uuid", linkIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    live++;
                }
            }
        }
        if (live != linkIds.size()) {
            throw new ConflictException("a link this consent would rely on was removed meanwhile; ask again");
        }
    }

    public List<Consent> list(Account account) {
        return tx.read(c -> {
            List<UUID> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "select id from consent where account_id = ? order by created_at, id")) {
                ps.setObject(1, account.id());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(Sql.uuid(rs, "id"));
                    }
                }
            }
            List<Consent> result = new ArrayList<>();
            for (UUID id : ids) {
                result.add(load(c, account.id(), id));
            }
            return result;
        });
    }

    /** The caller's own consent; another person's id is reported as not found, never as forbidden. */
    public Consent get(Account account, UUID consentId) {
        return tx.read(c -> load(c, account.id(), consentId));
    }

    /** Any person's consent, for auditors; not found when there is none. */
    public Consent getForAudit(UUID consentId) {
        return tx.read(c -> {
            UUID accountId;
            try (PreparedStatement ps = c.prepareStatement("select account_id from consent where id = ?")) {
                ps.setObject(1, consentId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new NotFoundException("no consent " + consentId);
                    }
                    accountId = Sql.uuid(rs, "account_id");
                }
            }
            return load(c, accountId, consentId);
        });
    }

    private record Plan(Programme programme, List<Purpose> purposes, DataScope scope, List<ServiceLink> links,
                        String text) {
    }

    private Plan plan(Connection c, Account account, NewConsent request, Instant now) throws SQLException {
        if (request.programmeId() == null) {
            throw new InvalidRequestException("programmeId", "programmeId is required");
        }
        Programme programme = ProgrammeRegistry.find(c, request.programmeId())
                .orElseThrow(() -> new NotFoundException("no programme " + request.programmeId()));
        if (programme.isOptOut()) {
            throw new ConflictException("programme " + programme.id() + " rests on " + programme.legalBasis().wire()
                    + ": your data may be used unless you object, so there is no consent to give; to keep your data "
                    + "out of it, opt out instead");
        }
        List<Purpose> purposes = new ArrayList<>();
        if (request.purposes() == null || request.purposes().isEmpty()) {
            purposes.addAll(programme.purposes());
        } else {
            for (String code : request.purposes()) {
                Purpose purpose = Purpose.fromCode(code).orElseThrow(() -> new InvalidRequestException("purposes",
                        "'" + code + "' is not a purpose the operator knows"));
                if (!programme.allowsPurpose(purpose)) {
                    throw new InvalidRequestException("purposes", "the programme does not ask for " + code);
                }
                if (!purposes.contains(purpose)) {
                    purposes.add(purpose);
                }
            }
        }
        DataScope scope = programme.scope().narrowsTo(request.scope(), "scope");
        if (request.validUntil() != null && !request.validUntil().isAfter(now)) {
            throw new InvalidRequestException("validUntil", "validUntil must lie in the future");
        }
        List<ServiceLink> live = ServiceLinks.ofAccount(c, account.id()).stream().filter(ServiceLink::isLive).toList();
        List<ServiceLink> links;
        if (request.sourceIds() == null || request.sourceIds().isEmpty()) {
            links = live;
        } else {
            links = new ArrayList<>();
            for (UUID sourceId : request.sourceIds().stream().distinct().toList()) {
                links.add(live.stream().filter(l -> l.sourceId().equals(sourceId)).findFirst().orElseThrow(() ->
                        new InvalidRequestException("sourceIds", "you have no live link to source " + sourceId)));
            }
        }
        if (links.isEmpty()) {
            throw new ConflictException("link a health record source before consenting: there is no data to share yet");
        }
        List<FhirSource> sources = new ArrayList<>();
        for (ServiceLink link : links) {
            sources.add(SourceRegistry.find(c, link.sourceId()).orElseThrow());
        }
        return new Plan(programme, purposes, scope, links,
                ConsentText.render(programme, purposes, scope, sources, request.validUntil()));
    }

    private static StatusRecord appendStatus(LogAppender.Batch b, Account account, UUID consentId, ConsentStatus status,
                                             StatusRecord.ChangedBy by, String reason, String prevHash, int sequence,
                                             Instant now) throws SQLException {
        UUID id = UUID.randomUUID();
        String why = reason == null || reason.isBlank() ? null : reason.strip();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("csr_id", id.toString());
        claims.put("cr_id", consentId.toString());
        claims.put("account_id", account.id().toString());
        claims.put("status", status.wire());
        claims.put("changed_by", by.wire());
        if (why != null) {
            claims.put("reason", why);
        }
        if (prevHash != null) {
            claims.put("prev_csr_hash", prevHash);
        }
        claims.put("iat", now.getEpochSecond());
        // The status record carries its own place in the log.
        LogAppender.Appended csr = b.signAtIndex(RecordType.CONSENT_STATUS, claims);
        try (PreparedStatement ps = b.connection().prepareStatement("insert into consent_status (id, consent_id, seq, "
                + "status, changed_by, reason, prev_hash, record, created_at, log_index) values (?,?,?,?,?,?,?,?,?,?)")) {
            ps.setObject(1, id);
            ps.setObject(2, consentId);
            ps.setInt(3, sequence);
            ps.setString(4, status.wire());
            ps.setString(5, by.wire());
            ps.setString(6, why);
            ps.setString(7, prevHash);
            ps.setString(8, csr.record());
            ps.setTimestamp(9, Sql.timestamp(now));
            ps.setLong(10, csr.logIndex());
            ps.executeUpdate();
        }
        return new StatusRecord(id, consentId, sequence, status, by, why, prevHash, csr.record(), now, csr.logIndex());
    }

    private static Consent load(Connection c, UUID accountId, UUID consentId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select * from consent where id = ? and account_id = ?")) {
            ps.setObject(1, consentId);
            ps.setObject(2, accountId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new NotFoundException("no consent " + consentId);
                }
                Map<String, Object> terms = Json.read(rs.getString("terms"));
                return new Consent(consentId, accountId, Sql.uuid(rs, "programme_id"),
                        Sql.strings(rs, "purposes").stream().map(p -> Purpose.fromCode(p).orElseThrow()).toList(),
                        DataScope.fromJson(Json.read(rs.getString("scope"))), linkIds(c, consentId),
                        Sql.instant(rs, "valid_from"), Sql.instant(rs, "valid_until"),
                        new Terms(URI.create((String) terms.get("policy_uri")), (String) terms.get("version"),
                                (String) terms.get("shown_text_sha256")),
                        rs.getString("proposal"), rs.getString("record"), Sql.instant(rs, "created_at"),
                        statusChain(c, consentId), rs.getObject("log_index", Long.class));
            }
        }
    }

    private static List<UUID> linkIds(Connection c, UUID consentId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select link_id from consent_link where consent_id = ? order by link_id")) {
            ps.setObject(1, consentId);
            try (ResultSet rs = ps.executeQuery()) {
                List<UUID> ids = new ArrayList<>();
                while (rs.next()) {
                    ids.add(Sql.uuid(rs, "link_id"));
                }
                return ids;
            }
        }
    }

    private static List<StatusRecord> statusChain(Connection c, UUID consentId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select * from consent_status where consent_id = ? order by seq")) {
            ps.setObject(1, consentId);
            try (ResultSet rs = ps.executeQuery()) {
                List<StatusRecord> chain = new ArrayList<>();
                while (rs.next()) {
                    chain.add(new StatusRecord(Sql.uuid(rs, "id"), consentId, rs.getInt("seq"),
                            ConsentStatus.fromWire(rs.getString("status")).orElseThrow(),
                            StatusRecord.ChangedBy.valueOf(rs.getString("changed_by").toUpperCase(java.util.Locale.ROOT)),
                            rs.getString("reason"), rs.getString("prev_hash"), rs.getString("record"),
                            Sql.instant(rs, "created_at"), rs.getObject("log_index", Long.class)));
                }
                return chain;
            }
        }
    }

    private static Map<String, Object> termsJson(Terms terms) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("policy_uri", terms.policyUri().toString());
        json.put("version", terms.version());
        json.put("shown_text_sha256", terms.shownTextSha256());
        return json;
    }
}
