package org.mydata.operator.consent;

import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.verify.consent.RecordHash;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.json.Json;
import org.mydata.operator.link.ServiceLink;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.notify.NotificationType;
import org.mydata.operator.notify.Outbox;
import org.mydata.operator.programme.Amendments;
import org.mydata.operator.programme.Language;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeAmendments;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.programme.ProgrammeTerms;
import org.mydata.operator.programme.ProgrammeVersion;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.verify.release.ConsentModes;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * Re-consent (amend, docs/amendments.md): a person whose live consent was given on an older version of a
 * programme's terms sees what changed and may accept the current version in one step. Accepting is one write
 * through the appender: the old consent's chain ends with a withdrawal by the person that names the new consent,
 * and a new consent record on the current version names the old one ({@code replaces}: its id, the hash of its
 * record and of that closing status record), so the history shows both and an auditor can follow the chain.
 * Keeping the old terms needs nothing: the old consent stays bound to the version signed.
 */
public final class Reconsents {
    private final Transactions tx;
    private final LogAppender appender;
    private final Clock clock;

    public Reconsents(Transactions tx, LogAppender appender, Clock clock) {
        this.tx = tx;
        this.appender = appender;
        this.clock = clock;
    }

    /**
     * What accepting the current version would mean for one consent.
     *
     * @param assessment the changes from the consent's version to the current one, and which way they go
     * @param amendments the amendments between the two, oldest first, with their reasons
     * @param carried    the person's choices on the new version; empty when nothing of them is left
     * @param oldText    the consent's text (as signed when the language is the one signed in)
     * @param newText    the text the person would sign; null when nothing of their choices is left
     * @param diff       the difference of the two texts, line by line
     */
    public record Offer(Consent consent, int fromVersion, int toVersion, Amendments.Assessment assessment,
                        List<ProgrammeVersion> amendments, Optional<Amendments.Choices> carried, Language language,
                        String oldText, String newText, List<Amendments.DiffLine> diff) {
        public String newTextSha256() {
            return newText == null ? null : RecordHash.sha256(newText);
        }

        /**
         * permitver: whether one of the amendments since the consent's version widened what a release does not
         * intersect: then permits issued under the new terms reach the person only once they accept them.
         */
        public boolean newPermitsNeedAcceptance() {
            return amendments.stream().anyMatch(ProgrammeVersion::widensBeyondRelease);
        }
    }

    /**
     * The offer for the caller's consent, read in {@code language} (or the first language the programme offers
     * when it does not offer that one); empty when the consent is withdrawn or on the current version already.
     */
    public Optional<Offer> offer(Account account, UUID consentId, Language language) {
        return tx.read(c -> offer(c, account, consentId, language));
    }

    /** The offers for every live consent of the caller that is on an older version of its programme. */
    public List<Offer> offers(Account account, Language language) {
        return tx.read(c -> {
            List<UUID> ids = Sql.list(c, "select c.id from consent c join programme p on p.id = c.programme_id "
                    + "where c.account_id = ? and c.withdrawn_at is null and coalesce(c.programme_version, 1) "
                    + "< p.version order by c.created_at, c.id", rs -> Sql.uuid(rs, "id"), account.id());
            List<Offer> offers = new ArrayList<>();
            for (UUID id : ids) {
                offer(c, account, id, language).ifPresent(offers::add);
            }
            return offers;
        });
    }

    private Optional<Offer> offer(Connection c, Account account, UUID consentId, Language asked) throws SQLException {
        Consent consent = Consents.load(c, account.id(), consentId);
        if (consent.status() == ConsentStatus.WITHDRAWN) {
            return Optional.empty();
        }
        Programme programme = ProgrammeRegistry.find(c, consent.programmeId()).orElseThrow();
        int current = ProgrammeAmendments.currentVersion(c, programme.id());
        int from = consent.version();
        if (from >= current) {
            return Optional.empty();
        }
        ProgrammeTerms before = ProgrammeAmendments.termsOf(c, programme, from);
        ProgrammeTerms after = ProgrammeAmendments.termsOf(c, programme, current);
        List<ProgrammeVersion> amendments = new ArrayList<>();
        for (int v = from + 1; v <= current; v++) {
            ProgrammeAmendments.version(c, programme.id(), v).ifPresent(amendments::add);
        }
        Programme now = after.applyTo(programme);
        Language language = now.offers(asked) ? asked : now.languages().get(0);
        Optional<Amendments.Choices> carried = Amendments.carry(before, after, new Amendments.Choices(
                consent.purposes(), consent.scope(), consent.accessModes()));
        List<FhirSource> sources = sources(c, account, consent, false);
        String oldText = consent.proposal();
        Programme then = before.applyTo(programme);
        if (!consent.terms().language().equals(language.tag()) && then.offers(language)) {
            oldText = ConsentText.render(then, language, consent.purposes(), consent.scope(), sources,
                    consent.validUntil(), consent.accessModes());
        }
        List<FhirSource> live = sources(c, account, consent, true);
        String newText = carried.isEmpty() || live.isEmpty() ? null : ConsentText.render(now, language,
                carried.get().purposes(), carried.get().scope(), live, consent.validUntil(),
                carried.get().accessModes());
        return Optional.of(new Offer(consent, from, current, Amendments.assess(before, after), amendments,
                carried, language, oldText, newText, newText == null ? List.of() : Amendments.diff(oldText, newText)));
    }

    /** The sources of the consent's links, in the order it lists them; only live links when {@code live}. */
    private static List<FhirSource> sources(Connection c, Account account, Consent consent, boolean live)
            throws SQLException {
        List<FhirSource> sources = new ArrayList<>();
        for (ServiceLink link : links(c, account, consent, live)) {
            sources.add(SourceRegistry.find(c, link.sourceId()).orElseThrow());
        }
        return sources;
    }

    private static List<ServiceLink> links(Connection c, Account account, Consent consent, boolean live)
            throws SQLException {
        return ServiceLinks.ofAccount(c, account.id()).stream()
                .filter(l -> consent.linkIds().contains(l.id()) && (!live || l.isLive())).toList();
    }

    /**
     * The re-consent chain that ends at the consent, as operator-verify's {@code reconsent} mode reads it: the
     * programme's amendment records, then each consent the chain holds, oldest first, followed by its status
     * records. For auditors: any person's consent; not found when there is none.
     */
    public List<String> chainForAudit(UUID consentId) {
        return tx.read(c -> chain(c, null, consentId));
    }

    /** The caller's own re-consent chain; another person's consent is not found. */
    public List<String> chain(Account account, UUID consentId) {
        return tx.read(c -> chain(c, account.id(), consentId));
    }

    private static List<String> chain(Connection c, UUID accountId, UUID consentId) throws SQLException {
        List<List<String>> consents = new ArrayList<>();
        UUID programmeId = null;
        for (UUID id = consentId; id != null; ) {
            List<String> records = new ArrayList<>();
            UUID replaces;
            try (PreparedStatement ps = c.prepareStatement("select account_id, programme_id, record, replaces "
                    + "from consent where id = ?")) {
                ps.setObject(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || (accountId != null && !accountId.equals(Sql.uuid(rs, "account_id")))) {
                        throw new org.mydata.operator.failure.NotFoundException("no consent " + id);
                    }
                    programmeId = Sql.uuid(rs, "programme_id");
                    records.add(rs.getString("record"));
                    replaces = (UUID) rs.getObject("replaces");
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "select record from consent_status where consent_id = ? order by seq")) {
                ps.setObject(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        records.add(rs.getString(1));
                    }
                }
            }
            consents.add(0, records);
            id = replaces;
        }
        List<String> chain = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select record from programme_version "
                + "where programme_id = ? and record is not null order by version")) {
            ps.setObject(1, programmeId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    chain.add(rs.getString(1));
                }
            }
        }
        consents.forEach(chain::addAll);
        return chain;
    }

    /**
     * Accepts the programme's current version for the caller's consent: the old consent is ended by the person,
     * naming the new one, and a new consent on the current version, with the person's choices carried over
     * ({@link Amendments#carry}), replaces it. Permit holders that could rely on the new consent are told
     * ({@link NotificationType#CONSENT_VERSION_CHANGED}).
     *
     * @param language        the language the person read the new text in (English when null)
     * @param shownTextSha256 when given, the hash of the text the person was shown: refused if it is not the text
     *                        this would sign
     */
    public Consent accept(Account account, UUID consentId, String language, String shownTextSha256) {
        Language asked = Language.requested(language);
        Offer offer = offer(account, consentId, asked)
                .orElseThrow(() -> new ConflictException("consent " + consentId + " is withdrawn or already on its "
                        + "programme's current terms: there is no new version to accept"));
        if (offer.language() != asked) {
            throw new InvalidRequestException("language", "the programme's current terms are not offered in "
                    + asked.tag() + "; read them in " + offer.language().tag());
        }
        if (offer.newText() == null) {
            throw new ConflictException("nothing of what you chose remains under the programme's new terms, or none "
                    + "of your links is live: withdraw this consent, or give a new one with new choices");
        }
        if (shownTextSha256 != null && !shownTextSha256.equals(offer.newTextSha256())) {
            throw new ConflictException("the text you were shown is not the one this would sign; show the current "
                    + "text and ask again");
        }
        Consent old = offer.consent();
        Amendments.Choices choices = offer.carried().orElseThrow();
        UUID id = UUID.randomUUID();
        return appender.submit(c -> {
            List<UUID> linkIds = links(c, account, old, true).stream().map(ServiceLink::id)
                    .sorted(Comparator.comparing(UUID::toString)).toList();
            Consents.requireLive(c, linkIds);
            int version;
            try (PreparedStatement ps = c.prepareStatement("select version from programme where id = ? for share")) {
                ps.setObject(1, old.programmeId());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    version = rs.getInt(1);
                }
            }
            if (version != offer.toVersion()) {
                throw new ConflictException("the programme was amended again meanwhile; read its terms again");
            }
            StatusRecord last;
            try (PreparedStatement ps = c.prepareStatement("select withdrawn_at from consent where id = ? for update")) {
                ps.setObject(1, old.id());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getTimestamp(1) != null) {
                        throw new ConflictException("consent " + old.id() + " was withdrawn meanwhile");
                    }
                }
            }
            last = Consents.load(c, account.id(), old.id()).latestStatus();
            String termsSha256 = ProgrammeAmendments.version(c, old.programmeId(), version).orElseThrow()
                    .termsSha256();
            return b -> {
                Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
                Connection bc = b.connection();
                StatusRecord closing = Consents.appendStatus(b, account, old.id(), ConsentStatus.WITHDRAWN,
                        StatusRecord.ChangedBy.PERSON, "replaced by consent " + id + ", which accepts version "
                                + version + " of the programme's terms", RecordHash.sha256(last.record()),
                        last.sequence() + 1, now, null);
                Consents.markWithdrawn(bc, old.id(), now);
                Programme programme = ProgrammeRegistry.find(bc, old.programmeId()).orElseThrow();
                Terms terms = new Terms(programme.termsUri(), programme.termsVersion(), offer.newTextSha256(),
                        offer.language().tag());
                // The claims of a consent record as Consents gives one, and what it replaces.
                Map<String, Object> claims = new LinkedHashMap<>();
                claims.put("cr_id", id.toString());
                claims.put("account_id", account.id().toString());
                claims.put("slr_ids", linkIds.stream().map(UUID::toString).toList());
                claims.put("programme_id", old.programmeId().toString());
                claims.put("purposes", choices.purposes().stream().map(Purpose::code).toList());
                claims.put("scope", choices.scope().toJson());
                claims.put(ConsentModes.CLAIM, ConsentModes.toClaim(choices.accessModes()));
                claims.put("valid_from", now.getEpochSecond());
                if (old.validUntil() != null) {
                    claims.put("valid_until", old.validUntil().getEpochSecond());
                }
                claims.put("terms", Consents.termsJson(terms));
                claims.put("iat", now.getEpochSecond());
                claims.put("programme_version", version);
                claims.put("programme_terms_sha256", termsSha256);
                Map<String, Object> replaces = new LinkedHashMap<>();
                replaces.put("cr_id", old.id().toString());
                replaces.put("cr_sha256", RecordHash.sha256(old.record()));
                replaces.put("programme_version", old.version());
                replaces.put("closing_csr_sha256", RecordHash.sha256(closing.record()));
                claims.put("replaces", replaces);
                LogAppender.Appended cr = b.sign(RecordType.CONSENT, claims);
                try (PreparedStatement ps = bc.prepareStatement("insert into consent (id, account_id, programme_id, "
                        + "purposes, scope, valid_from, valid_until, terms, proposal, record, created_at, log_index, "
                        + "access_modes) values (?,?,?,?,?::jsonb,?,?,?::jsonb,?,?,?,?,?)")) {
                    ps.setObject(1, id);
                    ps.setObject(2, account.id());
                    ps.setObject(3, old.programmeId());
                    ps.setArray(4, Sql.textArray(bc, choices.purposes().stream().map(Purpose::code).toList()));
                    ps.setString(5, Json.write(choices.scope().toJson()));
                    ps.setTimestamp(6, Sql.timestamp(now));
                    ps.setTimestamp(7, Sql.timestamp(old.validUntil()));
                    ps.setString(8, Json.write(Consents.termsJson(terms)));
                    ps.setString(9, offer.newText());
                    ps.setString(10, cr.record());
                    ps.setTimestamp(11, Sql.timestamp(now));
                    ps.setLong(12, cr.logIndex());
                    ps.setArray(13, Sql.textArray(bc, ConsentModes.toClaim(choices.accessModes())));
                    ps.executeUpdate();
                }
                Consents.setVersion(bc, id, version, termsSha256, old.id());
                try (PreparedStatement ps = bc.prepareStatement(
                        "insert into consent_link (consent_id, link_id) select ?, unnest(?::uuid[])")) {
                    ps.setObject(1, id);
                    ps.setArray(2, bc.createArrayOf("uuid", linkIds.toArray()));
                    ps.executeUpdate();
                }
                StatusRecord first = Consents.appendStatus(b, account, id, ConsentStatus.ACTIVE,
                        StatusRecord.ChangedBy.PERSON, null, null, 1, now, null);
                Outbox.consentChanged(bc, id, NotificationType.CONSENT_VERSION_CHANGED, cr.logIndex(), now);
                return new Consent(id, account.id(), old.programmeId(), choices.purposes(), choices.scope(),
                        choices.accessModes(), linkIds, now, old.validUntil(), terms, offer.newText(), cr.record(),
                        now, List.of(first), cr.logIndex(), version, termsSha256, old.id());
            };
        });
    }
}
