package org.mydata.operator.consent;

import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.verify.consent.RecordHash;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.mydata.operator.account.Account;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.LiveConsentExistsException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.json.Json;
import org.mydata.operator.link.ServiceLink;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.notify.NotificationType;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Language;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeAmendments;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.ConsentModes;
import org.mydata.operator.verify.release.Validity;
import org.mydata.operator.representation.Acting;
import org.mydata.operator.representation.OwnDecision;
import org.mydata.operator.failure.Require;
import org.mydata.operator.verify.signing.RecordType;
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

    /** What became of a request to consent: a new consent, or the live one that already says the same. */
    public record Granted(Consent consent, boolean created) {
    }

    /**
     * What giving this consent would do, without storing anything: the exact text, and the person's live consent
     * to the programme if there is one, with whether this request repeats it word for word.
     */
    public record Prospect(String text, Optional<Consent> live, boolean repeats) {
    }

    public Consent grant(Account account, NewConsent request) {
        return grantOrFind(account, request).consent();
    }

    /**
     * One live consent per person and programme. A request that repeats the live consent's terms (purposes, data,
     * sources, end, the programme's terms version) is answered with that consent and signs nothing, so a double
     * submit or a retry is harmless; other terms are refused ({@link LiveConsentExistsException}) while it lives;
     * a live consent whose end date has passed is ended by the operator with a signed record and the new one given.
     * The check runs in the appender's batch, in order, and the database's partial unique index
     * ({@code consent_live_per_programme}) holds the rule against a grant on another node.
     */
    public Granted grantOrFind(Account account, NewConsent request) {
        return grantOrFind(account, request, null, null);
    }

    /**
     * As {@link #grantOrFind(Account, NewConsent)}, made by someone acting for the person: the records name the
     * actor and the representation relied on ({@link Acting}); {@code minor}, for a guardian's consent, when the
     * person comes of age and when the consent stops releasing without their own decision. Both null: the person
     * acts themself.
     */
    public Granted grantOrFind(Account account, NewConsent request, Acting acting, OwnDecision minor) {
        Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
        // Planned on the request's thread in a read: the batch that stores it is shared by many requests.
        Plan plan = tx.read(c -> plan(c, account, request, now));
        if (request.shownTextSha256() != null && !request.shownTextSha256().equals(RecordHash.sha256(plan.text()))) {
            throw new ConflictException("the consent text you were shown is not the one this request would sign; "
                    + "show the current text and ask again");
        }
        Instant validUntil = request.validUntil() == null ? null : request.validUntil().truncatedTo(ChronoUnit.MICROS);
        try {
            return submitGrant(account, plan, validUntil, now, acting, minor);
        } catch (LiveConsentExistsException refused) {
            throw refused;
        } catch (ConflictException clash) {
            // The unique index decided a race this node's batch order did not see (a grant committed on another
            // node between our check and insert): once more, and the check now finds the winner.
            return submitGrant(account, plan, validUntil, now, acting, minor);
        }
    }

    private Granted submitGrant(Account account, Plan plan, Instant validUntil, Instant now, Acting acting,
                                OwnDecision minor) {
        UUID id = UUID.randomUUID();
        Terms terms = new Terms(plan.programme().termsUri(), plan.programme().termsVersion(),
                RecordHash.sha256(plan.text()), plan.language().tag());
        // In the order the database lists them (uuid order is the order of the text form), as a read gives them.
        List<UUID> linkIds = plan.links().stream().map(ServiceLink::id)
                .sorted(java.util.Comparator.comparing(UUID::toString)).toList();
        return appender.submit(new GrantWrite(account, plan, validUntil, now, id, terms, linkIds, acting, minor)).get();
    }

    /**
     * A consent write that shares its batch's {@link ConsentBatch}: on joining, it tells the part what it will
     * read, so that the batch reads (and locks) all of it in one statement before any write checks.
     */
    private abstract static class BatchedWrite<T> implements LogAppender.Shared<T, ConsentBatch> {
        ConsentBatch batchPart;

        @Override
        public final LogAppender.PartKey<ConsentBatch> part() {
            return ConsentBatch.KEY;
        }

        @Override
        public final void join(ConsentBatch part) {
            batchPart = part;
            announce(part);
        }

        /** Names to the batch's part what this write will read. */
        abstract void announce(ConsentBatch part);
    }

    /**
     * A grant, checked and stored with the batch's other consent writes ({@link ConsentBatch}): its links and the
     * person's live consent to the programme are read ahead for all of the batch's grants, and its rows stored
     * with theirs once the records are signed.
     */
    private final class GrantWrite extends BatchedWrite<Supplier<Granted>> {
        private final Account account;
        private final Plan plan;
        private final Instant validUntil;
        private final Instant now;
        private final UUID id;
        private final Terms terms;
        private final List<UUID> linkIds;
        private final Acting acting;
        private final OwnDecision minor;

        GrantWrite(Account account, Plan plan, Instant validUntil, Instant now, UUID id, Terms terms,
                   List<UUID> linkIds, Acting acting, OwnDecision minor) {
            this.acting = acting;
            this.minor = minor;
            this.account = account;
            this.plan = plan;
            this.validUntil = validUntil;
            this.now = now;
            this.id = id;
            this.terms = terms;
            this.linkIds = linkIds;
        }

        @Override
        void announce(ConsentBatch part) {
            part.wantGrant(account.id(), plan.programme().id(), linkIds);
        }

        @Override
        public LogAppender.Step<Supplier<Granted>> check(Connection c) throws SQLException {
            ConsentBatch part = batchPart;
            UUID programmeId = plan.programme().id();
            if (!part.linksLive(c, linkIds)) {
                throw new ConflictException("a link this consent would rely on was removed meanwhile; ask again");
            }
            Optional<Consent> live;
            if (part.touched(account.id(), programmeId)) {
                // This batch already wrote a consent of the person's to the programme: read it from the database.
                part.batch().settle();
                live = liveConsent(c, account.id(), programmeId, true);
            } else {
                UUID liveId = part.liveConsentId(c, account.id(), programmeId);
                live = liveId == null ? Optional.empty() : Optional.of(load(c, account.id(), liveId));
            }
            Consent expired = null;
            if (live.isPresent()) {
                Consent existing = live.get();
                if (existing.validUntil() != null && !existing.validUntil().isAfter(now)) {
                    expired = existing;
                } else if (repeats(existing, plan, linkIds, validUntil)) {
                    return b -> () -> new Granted(existing, false);
                } else {
                    throw alreadyConsented(existing);
                }
            }
            Consent ended = expired;
            return b -> {
                if (ended != null) {
                    StatusRecord last = ended.latestStatus();
                    appendStatus(b, part, null, account, ended.programmeId(), ended.id(), ConsentStatus.WITHDRAWN,
                            StatusRecord.ChangedBy.OPERATOR, "its end date had passed when you consented to the "
                                    + "programme again (consent " + id + ")",
                            RecordHash.sha256(last.record()), last.sequence() + 1, now, null);
                }
                Map<String, Object> claims = new LinkedHashMap<>();
                claims.put("cr_id", id.toString());
                claims.put("account_id", account.id().toString());
                claims.put("slr_ids", plan.links().stream().map(l -> l.id().toString()).toList());
                claims.put("programme_id", programmeId.toString());
                claims.put("purposes", plan.purposes().stream().map(Purpose::code).toList());
                claims.put("scope", plan.scope().toJson());
                claims.put(ConsentModes.CLAIM, ConsentModes.toClaim(plan.accessModes()));
                claims.put("valid_from", now.getEpochSecond());
                if (validUntil != null) {
                    claims.put("valid_until", validUntil.getEpochSecond());
                }
                claims.put("terms", termsJson(terms));
                claims.put("iat", now.getEpochSecond());
                // amend: the version of the programme's terms the person signs, and their hash.
                claims.put("programme_version", plan.version());
                claims.put("programme_terms_sha256", plan.termsSha256());
                Acting.addTo(claims, acting);
                LogAppender.Later cr = b.signLater(RecordType.CONSENT, claims);
                part.consent(id, account.id(), programmeId, plan.purposes().stream().map(Purpose::code).toList(),
                        plan.scope().toJson(), now, validUntil, termsJson(terms), plan.text(), cr, now,
                        ConsentModes.toClaim(plan.accessModes()), linkIds, plan.version(), plan.termsSha256(), acting,
                        minor);
                Supplier<StatusRecord> first = appendStatus(b, part, null, account, programmeId, id,
                        ConsentStatus.ACTIVE, StatusRecord.ChangedBy.PERSON, null, null, 1, now, acting);
                return () -> new Granted(new Consent(id, account.id(), programmeId, plan.purposes(), plan.scope(),
                        plan.accessModes(), linkIds, now, validUntil, terms, plan.text(), cr.record(), now,
                        List.of(first.get()), cr.logIndex(), plan.version(), plan.termsSha256(), null),
                        true);
            };
        }
    }

    public Prospect prospect(Account account, NewConsent request) {
        return tx.read(c -> {
            Instant now = Instant.now(clock);
            Plan plan = plan(c, account, request, now);
            Optional<Consent> live = liveConsent(c, account.id(), plan.programme().id(), false)
                    .filter(l -> l.validUntil() == null || l.validUntil().isAfter(now));
            Instant validUntil = request.validUntil() == null ? null
                    : request.validUntil().truncatedTo(ChronoUnit.MICROS);
            List<UUID> linkIds = plan.links().stream().map(ServiceLink::id).toList();
            return new Prospect(plan.text(), live,
                    live.isPresent() && repeats(live.get(), plan, linkIds, validUntil));
        });
    }

    /** The person's live consent to the programme (active or paused, not withdrawn), if any. */
    public Optional<Consent> live(Account account, UUID programmeId) {
        return tx.read(c -> liveConsent(c, account.id(), programmeId, false));
    }

    private static Optional<Consent> liveConsent(Connection c, UUID accountId, UUID programmeId, boolean lock)
            throws SQLException {
        UUID id;
        try (PreparedStatement ps = c.prepareStatement("select id from consent where account_id = ? and programme_id = ? "
                + "and withdrawn_at is null and duplicate_of is null" + (lock ? " for update" : ""))) {
            ps.setObject(1, accountId);
            ps.setObject(2, programmeId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                id = Sql.uuid(rs, "id");
            }
        }
        return Optional.of(load(c, accountId, id));
    }

    /** Whether the request would give exactly the live consent's terms again (order does not matter). */
    private static boolean repeats(Consent live, Plan plan, List<UUID> linkIds, Instant validUntil) {
        return new HashSet<>(live.purposes()).equals(new HashSet<>(plan.purposes()))
                && new HashSet<>(live.scope().resourceTypes()).equals(new HashSet<>(plan.scope().resourceTypes()))
                && Objects.equals(live.scope().dataFrom(), plan.scope().dataFrom())
                && Objects.equals(live.scope().dataUntil(), plan.scope().dataUntil())
                && live.accessModes().equals(plan.accessModes())
                && new HashSet<>(live.linkIds()).equals(new HashSet<>(linkIds))
                && Objects.equals(live.validUntil(), validUntil)
                && live.terms().policyUri().equals(plan.programme().termsUri())
                && live.terms().version().equals(plan.programme().termsVersion())
                && live.version() == plan.version();
    }

    private static LiveConsentExistsException alreadyConsented(Consent live) {
        return new LiveConsentExistsException(live.id(), live.status().wire(), "you already have a "
                + live.status().wire() + " consent to this programme (" + live.id() + ") on other terms, and a person "
                + "holds one consent per programme: keep that one, or withdraw it and then consent again with the "
                + "new choices");
    }

    /**
     * Withdraws, with signed operator records, the live consents the V9 migration found beside a newer live consent
     * of the same person to the same programme (a database written before the one-consent rule). Run at start-up;
     * another node doing the same at the same moment is harmless. Returns how many it ended.
     */
    public int endDuplicates() {
        record Duplicate(UUID id, UUID accountId, UUID keeps) {
        }
        List<Duplicate> duplicates = tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("select id, account_id, duplicate_of from consent "
                    + "where duplicate_of is not null and withdrawn_at is null order by created_at, id");
                 ResultSet rs = ps.executeQuery()) {
                List<Duplicate> result = new ArrayList<>();
                while (rs.next()) {
                    result.add(new Duplicate(Sql.uuid(rs, "id"), Sql.uuid(rs, "account_id"),
                            Sql.uuid(rs, "duplicate_of")));
                }
                return result;
            }
        });
        int ended = 0;
        for (Duplicate d : duplicates) {
            try {
                changeStatus(new Account(d.accountId(), null, null), d.id(), ConsentStatus.WITHDRAWN,
                        StatusRecord.ChangedBy.OPERATOR, "a second live consent to the same programme: one consent "
                                + "per programme, and your newest (" + d.keeps() + ") stays");
                ended++;
            } catch (ConflictException alreadyEnded) {
                // Withdrawn meanwhile, by the person or by another node starting at the same time.
            }
        }
        return ended;
    }

    /**
     * Appends a status record and answers with it and the consent's standing, not its history. The check runs
     * in the appender's batch, after every earlier write: the consent's row is locked and its latest status
     * read in one statement (the batch holds the log's head, so no other status write of this consent can be
     * under way), so each record links to the one before it.
     */
    public StatusChange changeStatus(Account account, UUID consentId, ConsentStatus next, StatusRecord.ChangedBy by,
                                     String reason) {
        return changeStatus(account, consentId, next, by, reason, null);
    }

    /** As {@link #changeStatus(Account, UUID, ConsentStatus, StatusRecord.ChangedBy, String)}, made by an actor. */
    public StatusChange changeStatus(Account account, UUID consentId, ConsentStatus next, StatusRecord.ChangedBy by,
                                     String reason, Acting acting) {
        if (by == StatusRecord.ChangedBy.OPERATOR && (reason == null || reason.isBlank())) {
            throw new InvalidRequestException("reason", "the operator must give a reason when it changes a consent");
        }
        return appender.submit(new StatusWrite(account, consentId, next, by, reason, acting)).get();
    }

    /**
     * A status change, checked and stored with the batch's other consent writes ({@link ConsentBatch}): its
     * consent's row is locked and its latest status read in the one statement that reads all of the batch's.
     */
    private final class StatusWrite extends BatchedWrite<Supplier<StatusChange>> {
        private final Account account;
        private final UUID consentId;
        private final ConsentStatus next;
        private final StatusRecord.ChangedBy by;
        private final String reason;
        private final Acting acting;

        StatusWrite(Account account, UUID consentId, ConsentStatus next, StatusRecord.ChangedBy by, String reason,
                    Acting acting) {
            this.acting = acting;
            this.account = account;
            this.consentId = consentId;
            this.next = next;
            this.by = by;
            this.reason = reason;
        }

        @Override
        void announce(ConsentBatch part) {
            part.wantStatus(consentId);
        }

        @Override
        public LogAppender.Step<Supplier<StatusChange>> check(Connection c) throws SQLException {
            ConsentBatch part = batchPart;
            ConsentBatch.Row row = part.row(c, consentId, account.id())
                    .orElseThrow(() -> new NotFoundException("no consent " + consentId));
            if (row.status == ConsentStatus.WITHDRAWN) {
                throw new ConflictException("consent " + consentId + " was withdrawn; a withdrawal is final");
            }
            if (!row.status.mayBecome(next)) {
                throw new ConflictException("consent " + consentId + " is already " + next.wire());
            }
            return b -> {
                Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
                String previous = part.previousRecord(row);
                Supplier<StatusRecord> record = appendStatus(b, part, row, account, row.programmeId, consentId, next,
                        by, reason, RecordHash.sha256(previous), row.sequence + 1, now, acting);
                // The permit holders' events, in this same transaction: stored with the change or not at all.
                NotificationType event = next == ConsentStatus.WITHDRAWN ? NotificationType.CONSENT_WITHDRAWN
                        : next == ConsentStatus.PAUSED ? NotificationType.CONSENT_PAUSED : null;
                if (event != null) {
                    part.event(row, event, ((LaterStatus) record).csr, now);
                }
                UUID programmeId = row.programmeId;
                Validity validity = row.validity;
                return () -> new StatusChange(consentId, account.id(), programmeId, validity, record.get());
            };
        }
    }

    /**
     * The person, come of age, confirms a consent their guardian gave: a status record of their own (the status
     * it had, {@value OwnDecision#CLAIM} {@code confirmed}, no actor), and the consent releases again without a
     * deadline. Refused before they come of age, after a withdrawal, and for a consent that awaits nobody's
     * decision. To change it, they withdraw it and consent anew; to end it, they withdraw it.
     */
    public StatusChange confirmOwnDecision(Account account, UUID consentId) {
        return appender.submit(c -> {
            LockedConsent consent = LockedConsent.lock(c, account.id(), consentId);
            ConsentStatus status = consent.status();
            Instant majorityAt = consent.majorityAt();
            Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
            if (status == ConsentStatus.WITHDRAWN) {
                throw new ConflictException("consent " + consentId + " was withdrawn; a withdrawal is final");
            }
            if (majorityAt == null || consent.ownDecisionAt() != null) {
                throw new ConflictException("consent " + consentId + " awaits no decision of yours");
            }
            if (now.isBefore(majorityAt)) {
                throw new ConflictException("consent " + consentId + " is your guardian's to manage until you come "
                        + "of age");
            }
            return b -> {
                StatusRecord record = appendStatus(b, account, consentId, status, StatusRecord.ChangedBy.PERSON,
                        null, RecordHash.sha256(consent.record()), consent.sequence() + 1, now, null,
                        OwnDecision.CONFIRMED);
                OwnDecision.confirmed(b.connection(), consentId, now);
                return new StatusChange(consentId, account.id(), consent.programmeId(), consent.validity(), record);
            };
        });
    }

    /** Refuses a consent whose links were removed after it was planned. */
    static void requireLive(Connection c, List<UUID> linkIds) throws SQLException {
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

    static void markWithdrawn(Connection c, UUID consentId, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "update consent set withdrawn_at = ? where id = ? and withdrawn_at is null")) {
            ps.setTimestamp(1, Sql.timestamp(at));
            ps.setObject(2, consentId);
            ps.executeUpdate();
        }
    }

    public List<Consent> list(Account account) {
        return tx.read(c -> {
            List<UUID> ids = Sql.list(c, "select id from consent where account_id = ? order by created_at, id",
                    rs -> Sql.uuid(rs, "id"), account.id());
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

    private record Plan(Programme programme, List<Purpose> purposes, DataScope scope, List<AccessMode> accessModes,
                        List<ServiceLink> links, String text, Language language, int version, String termsSha256) {
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
        List<AccessMode> accessModes = accessModes(programme, request.accessModes());
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
        return new Plan(programme, purposes, scope, accessModes, links,
                ConsentText.render(programme, request.textLanguage(), purposes, scope, sources, request.validUntil(),
                        accessModes),
                request.textLanguage(), ProgrammeAmendments.currentVersion(c, programme.id()),
                currentTermsSha256(c, programme));
    }

    /** amend: the hash of the programme's current terms, as its version's row states it (or as registered). */
    static String currentTermsSha256(Connection c, Programme programme) throws SQLException {
        return ProgrammeAmendments.currentTermsSha256(c, programme);
    }

    /**
     * The modes a consent allows: those asked for, each one the programme offers; the programme's offer when none
     * are named (as for purposes and scope). Normalised: records bring statistics with them.
     */
    private static List<AccessMode> accessModes(Programme programme, List<String> names) {
        if (names == null) {
            return ConsentModes.normalised(programme.accessModes());
        }
        List<AccessMode> modes = Require.accessModes("accessModes", names);
        for (AccessMode mode : modes) {
            if (!programme.offers(mode)) {
                throw new InvalidRequestException("accessModes", "the programme does not offer " + mode.wireName()
                        + " access; it offers " + String.join(", ", programme.accessModes().stream()
                        .map(AccessMode::wireName).toList()));
            }
        }
        return ConsentModes.normalised(modes);
    }

    /** A status record signed later, in the batch ({@link LogAppender.Later}); there once the batch committed. */
    private record LaterStatus(UUID id, UUID consentId, int sequence, ConsentStatus status, StatusRecord.ChangedBy by,
                               String reason, String prevHash, Instant at, LogAppender.Later csr)
            implements Supplier<StatusRecord> {
        @Override
        public StatusRecord get() {
            return new StatusRecord(id, consentId, sequence, status, by, reason, prevHash, csr.record(), at,
                    csr.logIndex());
        }
    }

    /**
     * Appends a status record to the batch: its index now, its signature with the batch's others, its row with the
     * batch's other rows ({@link ConsentBatch}). {@code row} is the consent as the batch knows it, if read ahead.
     */
    private static Supplier<StatusRecord> appendStatus(LogAppender.Batch b, ConsentBatch part, ConsentBatch.Row row,
                                                       Account account, UUID programmeId, UUID consentId,
                                                       ConsentStatus status, StatusRecord.ChangedBy by, String reason,
                                                       String prevHash, int sequence, Instant now, Acting acting) {
        UUID id = UUID.randomUUID();
        String why = reason == null || reason.isBlank() ? null : reason.strip();
        Map<String, Object> claims = statusClaims(id, consentId, account, status, by, why, prevHash, now, acting);
        // The status record carries its own place in the log.
        LogAppender.Later csr = b.signAtIndexLater(RecordType.CONSENT_STATUS, claims);
        part.status(row, account.id(), programmeId, id, consentId, sequence, status, by, why, prevHash, csr, now,
                acting);
        return new LaterStatus(id, consentId, sequence, status, by, why, prevHash, now, csr);
    }

    /** A status record's claims, in the order every status record has them. */
    private static Map<String, Object> statusClaims(UUID id, UUID consentId, Account account, ConsentStatus status,
                                                    StatusRecord.ChangedBy by, String why, String prevHash,
                                                    Instant now, Acting acting) {
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
        Acting.addTo(claims, acting);
        return claims;
    }

    /**
     * Appends a status record at once (signed, stored) in a write of its own: for the writes that are not shared
     * with the batch ({@link #confirmOwnDecision}, {@link Reconsents}); the batch has settled before they run.
     */
    static StatusRecord appendStatus(LogAppender.Batch b, Account account, UUID consentId, ConsentStatus status,
                                             StatusRecord.ChangedBy by, String reason, String prevHash, int sequence,
                                             Instant now, Acting acting) throws SQLException {
        return appendStatus(b, account, consentId, status, by, reason, prevHash, sequence, now, acting, null);
    }

    private static StatusRecord appendStatus(LogAppender.Batch b, Account account, UUID consentId, ConsentStatus status,
                                             StatusRecord.ChangedBy by, String reason, String prevHash, int sequence,
                                             Instant now, Acting acting, String ownDecision) throws SQLException {
        UUID id = UUID.randomUUID();
        String why = reason == null || reason.isBlank() ? null : reason.strip();
        Map<String, Object> claims = statusClaims(id, consentId, account, status, by, why, prevHash, now, acting);
        if (ownDecision != null) {
            claims.put(OwnDecision.CLAIM, ownDecision);
        }
        // The status record carries its own place in the log.
        LogAppender.Appended csr = b.signAtIndex(RecordType.CONSENT_STATUS, claims);
        Sql.update(b.connection(), "insert into consent_status (id, consent_id, seq, status, changed_by, reason, "
                + "prev_hash, record, created_at, log_index, acted_by) values (?,?,?,?,?,?,?,?,?,?,?::jsonb)", id,
                consentId, sequence, status.wire(), by.wire(), why, prevHash, csr.record(), Sql.timestamp(now),
                csr.logIndex(), OwnDecision.actedBy(acting));
        return new StatusRecord(id, consentId, sequence, status, by, why, prevHash, csr.record(), now, csr.logIndex());
    }

    /** amend: records the version a consent was given on, and the consent it replaced. */
    static void setVersion(Connection c, UUID consentId, int version, String termsSha256, UUID replaces)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update consent set programme_version = ?, "
                + "programme_terms_sha256 = ?, replaces = ? where id = ?")) {
            ps.setInt(1, version);
            ps.setString(2, termsSha256);
            ps.setObject(3, replaces);
            ps.setObject(4, consentId);
            ps.executeUpdate();
        }
    }

    static Consent load(Connection c, UUID accountId, UUID consentId) throws SQLException {
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
                        DataScope.fromJson(Json.read(rs.getString("scope"))),
                        Sql.accessModes(rs, "access_modes"),
                        linkIds(c, consentId),
                        Sql.instant(rs, "valid_from"), Sql.instant(rs, "valid_until"),
                        new Terms(URI.create((String) terms.get("policy_uri")), (String) terms.get("version"),
                                (String) terms.get("shown_text_sha256"), (String) terms.get("language")),
                        rs.getString("proposal"), rs.getString("record"), Sql.instant(rs, "created_at"),
                        statusChain(c, consentId), rs.getObject("log_index", Long.class),
                        rs.getObject("programme_version", Integer.class), rs.getString("programme_terms_sha256"),
                        (UUID) rs.getObject("replaces"));
            }
        }
    }

    private static List<UUID> linkIds(Connection c, UUID consentId) throws SQLException {
        return Sql.list(c, "select link_id from consent_link where consent_id = ? order by link_id",
                rs -> Sql.uuid(rs, "link_id"), consentId);
    }

    private static List<StatusRecord> statusChain(Connection c, UUID consentId) throws SQLException {
        return Sql.list(c, "select * from consent_status where consent_id = ? order by seq",
                rs -> new StatusRecord(Sql.uuid(rs, "id"), consentId, rs.getInt("seq"),
                        ConsentStatus.fromWire(rs.getString("status")).orElseThrow(),
                        StatusRecord.ChangedBy.valueOf(rs.getString("changed_by").toUpperCase(java.util.Locale.ROOT)),
                        rs.getString("reason"), rs.getString("prev_hash"), rs.getString("record"),
                        Sql.instant(rs, "created_at"), rs.getObject("log_index", Long.class)), consentId);
    }

    static Map<String, Object> termsJson(Terms terms) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("policy_uri", terms.policyUri().toString());
        json.put("version", terms.version());
        json.put("shown_text_sha256", terms.shownTextSha256());
        json.put("language", terms.language());
        return json;
    }
}
