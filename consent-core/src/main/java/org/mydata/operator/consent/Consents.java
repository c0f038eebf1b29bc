package org.mydata.operator.consent;

import java.net.URI;
import java.nio.charset.StandardCharsets;
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
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.signing.KeyRing;
import org.mydata.operator.signing.RecordType;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * Gives, lists and changes consents. Every write is one transaction that signs and stores together, so a
 * record is either stored and signed or does not exist; status changes of one consent are serialised by
 * a row lock, so its chain never forks.
 */
public final class Consents {
    private final Transactions tx;
    private final KeyRing keyRing;
    private final TransparencyLog log;
    private final Clock clock;

    public Consents(Transactions tx, KeyRing keyRing, TransparencyLog log, Clock clock) {
        this.tx = tx;
        this.keyRing = keyRing;
        this.log = log;
        this.clock = clock;
    }

    /** The exact consent text the person would be shown for this request, without storing anything. */
    public String preview(Account account, NewConsent request) {
        return tx.read(c -> plan(c, account, request, Instant.now(clock)).text());
    }

    public Consent grant(Account account, NewConsent request) {
        return tx.inTransaction(c -> {
            Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
            Plan plan = plan(c, account, request, now);
            if (request.shownTextSha256() != null && !request.shownTextSha256().equals(RecordHash.sha256(plan.text()))) {
                throw new ConflictException("the consent text you were shown is not the one this request would sign; "
                        + "show the current text and ask again");
            }
            UUID id = UUID.randomUUID();
            Terms terms = new Terms(plan.programme().termsUri(), plan.programme().termsVersion(),
                    RecordHash.sha256(plan.text()));
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("cr_id", id.toString());
            claims.put("account_id", account.id().toString());
            claims.put("slr_ids", plan.links().stream().map(l -> l.id().toString()).toList());
            claims.put("programme_id", plan.programme().id().toString());
            claims.put("purposes", plan.purposes().stream().map(Purpose::code).toList());
            claims.put("scope", plan.scope().toJson());
            claims.put("valid_from", now.getEpochSecond());
            if (request.validUntil() != null) {
                claims.put("valid_until", request.validUntil().getEpochSecond());
            }
            claims.put("terms", termsJson(terms));
            claims.put("iat", now.getEpochSecond());
            String record = keyRing.sign(RecordType.CONSENT, claims);
            try (PreparedStatement ps = c.prepareStatement("insert into consent (id, account_id, programme_id, purposes, "
                    + "scope, valid_from, valid_until, terms, proposal, record, created_at) "
                    + "values (?,?,?,?,?::jsonb,?,?,?::jsonb,?,?,?)")) {
                ps.setObject(1, id);
                ps.setObject(2, account.id());
                ps.setObject(3, plan.programme().id());
                ps.setArray(4, Sql.textArray(c, plan.purposes().stream().map(Purpose::code).toList()));
                ps.setString(5, Json.write(plan.scope().toJson()));
                ps.setTimestamp(6, Sql.timestamp(now));
                ps.setTimestamp(7, Sql.timestamp(request.validUntil()));
                ps.setString(8, Json.write(termsJson(terms)));
                ps.setString(9, plan.text());
                ps.setString(10, record);
                ps.setTimestamp(11, Sql.timestamp(now));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("insert into consent_link (consent_id, link_id) values (?,?)")) {
                for (ServiceLink link : plan.links()) {
                    ps.setObject(1, id);
                    ps.setObject(2, link.id());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            // Read before the first append: from there to commit this transaction holds the log's head, and
            // every other record writer waits for it.
            Consent stored = load(c, account.id(), id);
            long logIndex = log.append(c, record.getBytes(StandardCharsets.US_ASCII));
            try (PreparedStatement ps = c.prepareStatement("update consent set log_index = ? where id = ?")) {
                ps.setLong(1, logIndex);
                ps.setObject(2, id);
                ps.executeUpdate();
            }
            StatusRecord first = appendStatus(c, account, id, ConsentStatus.ACTIVE, StatusRecord.ChangedBy.PERSON, null,
                    null, 1, now);
            return stored.withLogIndex(logIndex).withStatus(first);
        });
    }

    /**
     * Appends a status record. The consent's row is locked first, so concurrent changes queue up and each
     * one links to the record before it.
     */
    public Consent changeStatus(Account account, UUID consentId, ConsentStatus next, StatusRecord.ChangedBy by,
                                String reason) {
        if (by == StatusRecord.ChangedBy.OPERATOR && (reason == null || reason.isBlank())) {
            throw new InvalidRequestException("reason", "the operator must give a reason when it changes a consent");
        }
        return tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select id from consent where id = ? and account_id = ? for update")) {
                ps.setObject(1, consentId);
                ps.setObject(2, account.id());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new NotFoundException("no consent " + consentId);
                    }
                }
            }
            Consent current = load(c, account.id(), consentId);
            StatusRecord last = current.latestStatus();
            if (last.status() == ConsentStatus.WITHDRAWN) {
                throw new ConflictException("consent " + consentId + " was withdrawn; a withdrawal is final");
            }
            if (!last.status().mayBecome(next)) {
                throw new ConflictException("consent " + consentId + " is already " + next.wire());
            }
            return current.withStatus(appendStatus(c, account, consentId, next, by, reason,
                    RecordHash.sha256(last.record()), last.sequence() + 1, Instant.now(clock).truncatedTo(ChronoUnit.MICROS)));
        });
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

    private StatusRecord appendStatus(Connection c, Account account, UUID consentId, ConsentStatus status,
                              StatusRecord.ChangedBy by, String reason, String prevHash, int sequence, Instant now)
            throws SQLException {
        UUID id = UUID.randomUUID();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("csr_id", id.toString());
        claims.put("cr_id", consentId.toString());
        claims.put("account_id", account.id().toString());
        claims.put("status", status.wire());
        claims.put("changed_by", by.wire());
        if (reason != null && !reason.isBlank()) {
            claims.put("reason", reason.strip());
        }
        if (prevHash != null) {
            claims.put("prev_csr_hash", prevHash);
        }
        claims.put("iat", now.getEpochSecond());
        // The status record carries its own place in the log: the index is reserved, then the record signed.
        String[] signed = new String[1];
        long logIndex = log.append(c, index -> {
            claims.put("log_index", index);
            signed[0] = keyRing.sign(RecordType.CONSENT_STATUS, claims);
            return signed[0].getBytes(StandardCharsets.US_ASCII);
        });
        String record = signed[0];
        try (PreparedStatement ps = c.prepareStatement("insert into consent_status (id, consent_id, seq, status, "
                + "changed_by, reason, prev_hash, record, created_at, log_index) values (?,?,?,?,?,?,?,?,?,?)")) {
            ps.setObject(1, id);
            ps.setObject(2, consentId);
            ps.setInt(3, sequence);
            ps.setString(4, status.wire());
            ps.setString(5, by.wire());
            ps.setString(6, reason == null || reason.isBlank() ? null : reason.strip());
            ps.setString(7, prevHash);
            ps.setString(8, record);
            ps.setTimestamp(9, Sql.timestamp(now));
            ps.setLong(10, logIndex);
            ps.executeUpdate();
        }
        return new StatusRecord(id, consentId, sequence, status, by, reason == null || reason.isBlank() ? null
                : reason.strip(), prevHash, record, now, logIndex);
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
