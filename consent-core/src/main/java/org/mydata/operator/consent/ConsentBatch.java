package org.mydata.operator.consent;

import org.mydata.operator.verify.consent.ConsentStatus;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.mydata.operator.json.Json;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.notify.NotificationType;
import org.mydata.operator.notify.Outbox;
import org.mydata.operator.representation.Acting;
import org.mydata.operator.representation.OwnDecision;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.Validity;
import org.mydata.operator.store.RoundTrip;
import org.mydata.operator.store.Sql;

/**
 * What the consent writes of one log-appender batch share ({@link LogAppender.Part}): the batch's status changes
 * lock and read all their consents (each with its latest status) in one statement, its grants look up the live
 * consents and links they rely on in one statement each, and their rows (consents, links, status records,
 * withdrawals, permit holders' events) are stored in a few batched statements once the batch's records are
 * signed. Between those, each write is checked against what the batch knows, in the batch's order: the rows read
 * ahead, as changed by the writes before it in the same batch. A write of another kind (which reads the
 * database) makes the batch store the rows first, and afterwards this part reads again ({@link #stale}).
 */
final class ConsentBatch implements LogAppender.Part {
    static final LogAppender.PartKey<ConsentBatch> KEY = new LogAppender.PartKey<>(ConsentBatch::new);

    /** A consent as a status change needs it: its row and its latest status record (signed, or later). */
    static final class Row {
        final UUID id;
        final UUID accountId;
        final UUID programmeId;
        final Validity validity;
        final List<Purpose> purposes;
        final DataScope scope;
        final List<AccessMode> accessModes;
        /** permitver: the programme version the consent is on (which permits may rely on it). */
        final int programmeVersion;
        int sequence;
        ConsentStatus status;
        String record;
        LogAppender.Later pending;

        Row(UUID id, UUID accountId, UUID programmeId, Validity validity, List<Purpose> purposes, DataScope scope,
            List<AccessMode> accessModes, int programmeVersion, int sequence, ConsentStatus status, String record) {
            this.id = id;
            this.accountId = accountId;
            this.programmeId = programmeId;
            this.validity = validity;
            this.purposes = purposes;
            this.scope = scope;
            this.accessModes = accessModes;
            this.programmeVersion = programmeVersion;
            this.sequence = sequence;
            this.status = status;
            this.record = record;
        }
    }

    private record Pair(UUID accountId, UUID programmeId) {
    }

    private record ConsentInsert(UUID id, UUID accountId, UUID programmeId, List<String> purposes, String scope,
                                 Instant validFrom, Instant validUntil, String terms, String proposal,
                                 LogAppender.Later record, Instant createdAt, List<String> accessModes,
                                 int programmeVersion, String programmeTermsSha256, String actedBy, Instant majorityAt,
                                 Instant ownDecisionDue) {
    }

    private record StatusInsert(UUID id, UUID consentId, int sequence, ConsentStatus status,
                                StatusRecord.ChangedBy by, String reason, String prevHash, LogAppender.Later record,
                                Instant at, String actedBy) {
    }

    private record Event(Row row, NotificationType type, LogAppender.Later record, Instant at) {
    }

    private final LogAppender.Batch batch;
    // what the batch's writes will read
    private final Set<UUID> wantedConsents = new LinkedHashSet<>();
    private final Set<Pair> wantedPairs = new LinkedHashSet<>();
    private final Set<UUID> wantedLinks = new LinkedHashSet<>();
    // what was read ahead, as changed by this batch's writes so far
    private Map<UUID, Row> rows;
    private Map<Pair, UUID> live;
    private Set<UUID> liveLinks;
    /**
     * The programmes of the batch's status changes that have permits, as read ahead; null when not known (then the
     * events' flush asks the outbox, which reads the permits). No permit, no event: the flush skips the outbox.
     */
    private Set<UUID> programmesWithPermits;
    /** Person and programme pairs this batch wrote: a grant to one reads the database, after the batch settled. */
    private final Set<Pair> touched = new HashSet<>();
    // rows to store at the next flush
    private final List<ConsentInsert> consents = new ArrayList<>();
    private final List<UUID> linkConsents = new ArrayList<>();
    private final List<UUID> linkIds = new ArrayList<>();
    private final List<StatusInsert> statuses = new ArrayList<>();
    private final Map<UUID, Instant> withdrawn = new java.util.LinkedHashMap<>();
    private final List<Event> events = new ArrayList<>();

    private ConsentBatch(LogAppender.Batch batch) {
        this.batch = batch;
    }

    LogAppender.Batch batch() {
        return batch;
    }

    void wantStatus(UUID consentId) {
        wantedConsents.add(consentId);
    }

    void wantGrant(UUID accountId, UUID programmeId, List<UUID> links) {
        wantedPairs.add(new Pair(accountId, programmeId));
        wantedLinks.addAll(links);
    }

    /** The consent and its latest status as this batch sees it; empty when it is not the person's. */
    java.util.Optional<Row> row(Connection c, UUID consentId, UUID accountId) throws SQLException {
        if (rows == null) {
            RoundTrip trip = new RoundTrip();
            readRows(trip, wantedConsents);
            trip.run(c);
        }
        Row row = rows.get(consentId);
        return row == null || !row.accountId.equals(accountId) ? java.util.Optional.empty() : java.util.Optional.of(row);
    }

    /**
     * The record a new status record of this consent links to: its latest. When that one is still to be signed in
     * this batch, the batch signs (and stores) what it has first: the chain covers the whole JWS, signature and all.
     */
    String previousRecord(Row row) throws SQLException {
        if (row.pending != null && !row.pending.signed()) {
            batch.settle();
        }
        return row.pending != null ? row.pending.record() : row.record;
    }

    /** Whether every link is live, as read ahead for all of the batch's grants at once. */
    boolean linksLive(Connection c, List<UUID> links) throws SQLException {
        if (liveLinks == null) {
            RoundTrip trip = new RoundTrip();
            readLinks(trip);
            trip.run(c);
        }
        return liveLinks.containsAll(links);
    }

    private void readLinks(RoundTrip trip) {
        liveLinks = new HashSet<>();
        if (wantedLinks.isEmpty()) {
            return;
        }
        Object[] ids = wantedLinks.toArray();
        Set<UUID> found = liveLinks;
        trip.query("select id from service_link where id = any (?) and removed_at is null order by id for share",
                (ps, i) -> ps.setArray(i, ps.getConnection().createArrayOf("uuid", ids)), rs -> {
                    while (rs.next()) {
                        found.add(Sql.uuid(rs, "id"));
                    }
                });
    }

    /**
     * The id of the person's live consent to the programme as read ahead for all of the batch's grants (locked),
     * or null when there is none; {@code touched} when this batch already wrote to that pair, and then the
     * caller reads the database itself after {@link LogAppender.Batch#settle}.
     */
    boolean touched(UUID accountId, UUID programmeId) {
        return touched.contains(new Pair(accountId, programmeId));
    }

    UUID liveConsentId(Connection c, UUID accountId, UUID programmeId) throws SQLException {
        if (live == null) {
            RoundTrip trip = new RoundTrip();
            readLive(trip);
            trip.run(c);
        }
        return live.get(new Pair(accountId, programmeId));
    }

    private void readLive(RoundTrip trip) {
        live = new HashMap<>();
        if (wantedPairs.isEmpty()) {
            return;
        }
        List<UUID> accounts = new ArrayList<>();
        List<UUID> programmes = new ArrayList<>();
        for (Pair pair : wantedPairs) {
            accounts.add(pair.accountId());
            programmes.add(pair.programmeId());
        }
        Map<Pair, UUID> found = live;
        trip.query("select c.id, c.account_id, c.programme_id "
                + "from consent c join unnest(?::uuid[], ?::uuid[]) as w(account_id, programme_id) "
                + "on c.account_id = w.account_id and c.programme_id = w.programme_id "
                + "where c.withdrawn_at is null and c.duplicate_of is null order by c.id for update of c", (ps, i) -> {
                    ps.setArray(i, ps.getConnection().createArrayOf("uuid", accounts.toArray()));
                    ps.setArray(i + 1, ps.getConnection().createArrayOf("uuid", programmes.toArray()));
                }, rs -> {
                    while (rs.next()) {
                        found.put(new Pair(Sql.uuid(rs, "account_id"), Sql.uuid(rs, "programme_id")),
                                Sql.uuid(rs, "id"));
                    }
                });
    }

    /**
     * In the batch's first round trip, right after the head's lock: its status changes' consents (locked, in id
     * order, with their latest status records), its grants' live consents (locked) and links (shared), and which of
     * the status changes' programmes have permits (whose holders hear of a pause or withdrawal).
     */
    @Override
    public void readAhead(Connection c, RoundTrip trip) {
        if (!wantedConsents.isEmpty()) {
            readRows(trip, wantedConsents);
            Object[] ids = wantedConsents.toArray();
            Set<UUID> withPermits = new HashSet<>();
            programmesWithPermits = withPermits;
            trip.query("select distinct p.programme_id from permit p where p.programme_id in "
                    + "(select c.programme_id from consent c where c.id = any (?))",
                    (ps, i) -> ps.setArray(i, ps.getConnection().createArrayOf("uuid", ids)), rs -> {
                        while (rs.next()) {
                            withPermits.add(Sql.uuid(rs, "programme_id"));
                        }
                    });
        }
        if (!wantedPairs.isEmpty()) {
            readLive(trip);
        }
        if (!wantedLinks.isEmpty()) {
            readLinks(trip);
        }
    }

    /** A new consent record and its links; its first status record comes through {@link #status}. */
    void consent(UUID id, UUID accountId, UUID programmeId, List<String> purposes, Map<String, Object> scope,
                 Instant validFrom, Instant validUntil, Map<String, Object> terms, String proposal,
                 LogAppender.Later record, Instant createdAt, List<String> accessModes, List<UUID> links,
                 int programmeVersion, String programmeTermsSha256, Acting acting, OwnDecision minor) {
        consents.add(new ConsentInsert(id, accountId, programmeId, purposes, Json.write(scope), validFrom, validUntil,
                Json.write(terms), proposal, record, createdAt, accessModes, programmeVersion, programmeTermsSha256,
                OwnDecision.actedBy(acting), minor == null ? null : minor.majorityAt(),
                minor == null ? null : minor.due()));
        for (UUID link : links) {
            linkConsents.add(id);
            linkIds.add(link);
        }
        touched.add(new Pair(accountId, programmeId));
    }

    /**
     * A status record of a consent of the person's to the programme; {@code row} is the consent as this batch
     * knows it (null for a consent not read ahead), and is brought up to date.
     */
    void status(Row row, UUID accountId, UUID programmeId, UUID id, UUID consentId, int sequence,
                ConsentStatus status, StatusRecord.ChangedBy by, String reason, String prevHash,
                LogAppender.Later record, Instant at, Acting acting) {
        statuses.add(new StatusInsert(id, consentId, sequence, status, by, reason, prevHash, record, at,
                OwnDecision.actedBy(acting)));
        if (status == ConsentStatus.WITHDRAWN) {
            withdrawn.putIfAbsent(consentId, at);
        }
        Row known = row != null ? row : rows == null ? null : rows.get(consentId);
        if (known != null) {
            known.sequence = sequence;
            known.status = status;
            known.pending = record;
        }
        touched.add(new Pair(accountId, programmeId));
    }

    /** The permit holders' events of a pause or withdrawal, written with it (Outbox). */
    void event(Row row, NotificationType type, LogAppender.Later record, Instant at) {
        events.add(new Event(row, type, record, at));
    }

    @Override
    public void flush(Connection c, RoundTrip trip) throws SQLException {
        // Withdrawals first: a grant that ended its person's expired consent inserts the new one right after, and
        // the one-live-consent index must find the old one ended by then. Each statement runs on its own, in this
        // order, in the batch's last round trip.
        if (!withdrawn.isEmpty()) {
            List<Object> ids = new ArrayList<>();
            List<Object> at = new ArrayList<>();
            withdrawn.forEach((id, when) -> {
                ids.add(id);
                at.add(when.toString());
            });
            trip.update("update consent set withdrawn_at = w.at::timestamptz "
                    + "from unnest(?::uuid[], ?::text[]) as w(id, at) where consent.id = w.id "
                    + "and consent.withdrawn_at is null", (ps, i) -> {
                        ps.setArray(i, ps.getConnection().createArrayOf("uuid", ids.toArray()));
                        ps.setArray(i + 1, ps.getConnection().createArrayOf("text", at.toArray()));
                    });
            withdrawn.clear();
        }
        for (ConsentInsert r : consents) {
            // One statement per consent (they are few: a grant each), all in the same round trip.
            trip.update("insert into consent (id, account_id, programme_id, "
                    + "purposes, scope, valid_from, valid_until, terms, proposal, record, created_at, log_index, "
                    + "access_modes, programme_version, programme_terms_sha256, acted_by, majority_at, own_decision_due) "
                    + "values (?,?,?,?,?::jsonb,?,?,?::jsonb,?,?,?,?,?,?,?,?::jsonb,?,?)", (ps, i) -> {
                        ps.setObject(i, r.id());
                        ps.setObject(i + 1, r.accountId());
                        ps.setObject(i + 2, r.programmeId());
                        ps.setArray(i + 3, Sql.textArray(ps.getConnection(), r.purposes()));
                        ps.setString(i + 4, r.scope());
                        ps.setTimestamp(i + 5, Sql.timestamp(r.validFrom()));
                        ps.setTimestamp(i + 6, Sql.timestamp(r.validUntil()));
                        ps.setString(i + 7, r.terms());
                        ps.setString(i + 8, r.proposal());
                        ps.setString(i + 9, r.record().record());
                        ps.setTimestamp(i + 10, Sql.timestamp(r.createdAt()));
                        ps.setLong(i + 11, r.record().logIndex());
                        ps.setArray(i + 12, Sql.textArray(ps.getConnection(), r.accessModes()));
                        ps.setInt(i + 13, r.programmeVersion());
                        ps.setString(i + 14, r.programmeTermsSha256());
                        ps.setString(i + 15, r.actedBy());
                        ps.setTimestamp(i + 16, Sql.timestamp(r.majorityAt()));
                        ps.setTimestamp(i + 17, Sql.timestamp(r.ownDecisionDue()));
                    });
        }
        consents.clear();
        if (!linkIds.isEmpty()) {
            Object[] consentIds = linkConsents.toArray();
            Object[] links = linkIds.toArray();
            trip.update("insert into consent_link (consent_id, link_id) select * from unnest(?::uuid[], ?::uuid[])",
                    (ps, i) -> {
                        ps.setArray(i, ps.getConnection().createArrayOf("uuid", consentIds));
                        ps.setArray(i + 1, ps.getConnection().createArrayOf("uuid", links));
                    });
            linkConsents.clear();
            linkIds.clear();
        }
        if (!statuses.isEmpty()) {
            int n = statuses.size();
            Object[] ids = new Object[n];
            Object[] consentIds = new Object[n];
            Object[] sequences = new Object[n];
            Object[] states = new Object[n];
            Object[] by = new Object[n];
            Object[] reasons = new Object[n];
            Object[] prevHashes = new Object[n];
            Object[] records = new Object[n];
            Object[] at = new Object[n];
            Object[] indexes = new Object[n];
            Object[] actedBy = new Object[n];
            for (int i = 0; i < n; i++) {
                StatusInsert s = statuses.get(i);
                ids[i] = s.id();
                consentIds[i] = s.consentId();
                sequences[i] = s.sequence();
                states[i] = s.status().wire();
                by[i] = s.by().wire();
                reasons[i] = s.reason();
                prevHashes[i] = s.prevHash();
                records[i] = s.record().record();
                at[i] = s.at().toString();
                indexes[i] = s.record().logIndex();
                actedBy[i] = s.actedBy();
            }
            // One statement for all: the arrays' rows in order, as many single-row inserts would give them.
            trip.update("insert into consent_status (id, consent_id, seq, "
                    + "status, changed_by, reason, prev_hash, record, created_at, log_index, acted_by) "
                    + "select t.id, t.consent_id, t.seq, t.status, t.changed_by, t.reason, t.prev_hash, t.record, "
                    + "t.created_at::timestamptz, t.log_index, t.acted_by::jsonb from unnest(?::uuid[], ?::uuid[], "
                    + "?::int[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], "
                    + "?::text[]) with ordinality as t(id, consent_id, seq, status, changed_by, reason, prev_hash, "
                    + "record, created_at, log_index, acted_by, n) "
                    + "order by t.n", (ps, i) -> {
                        Connection pc = ps.getConnection();
                        ps.setArray(i, pc.createArrayOf("uuid", ids));
                        ps.setArray(i + 1, pc.createArrayOf("uuid", consentIds));
                        ps.setArray(i + 2, pc.createArrayOf("int4", sequences));
                        ps.setArray(i + 3, pc.createArrayOf("text", states));
                        ps.setArray(i + 4, pc.createArrayOf("text", by));
                        ps.setArray(i + 5, pc.createArrayOf("text", reasons));
                        ps.setArray(i + 6, pc.createArrayOf("text", prevHashes));
                        ps.setArray(i + 7, pc.createArrayOf("text", records));
                        ps.setArray(i + 8, pc.createArrayOf("text", at));
                        ps.setArray(i + 9, pc.createArrayOf("int8", indexes));
                        ps.setArray(i + 10, pc.createArrayOf("text", actedBy));
                    });
            statuses.clear();
        }
        if (!events.isEmpty()) {
            List<Outbox.ConsentChange> changes = new ArrayList<>(events.size());
            boolean holders = programmesWithPermits == null;
            for (Event e : events) {
                Row r = e.row();
                changes.add(new Outbox.ConsentChange(r.id, r.accountId, r.programmeId, r.purposes, r.scope,
                        r.accessModes, r.validity, e.type(), e.record().logIndex(), e.at(), r.programmeVersion));
                if (!holders && programmesWithPermits.contains(r.programmeId)) {
                    holders = true;
                }
            }
            if (holders) {
                // The outbox reads the permits and their keys before it writes: the rows so far go first.
                trip.run(c);
                Outbox.consentsChanged(c, changes);
            }
            events.clear();
        }
    }

    @Override
    public void stale() {
        // Another kind of write ran (after this part's rows were stored): read again what is asked next.
        rows = null;
        live = null;
        liveLinks = null;
        // That write may have been a permit's: ask the outbox from now on.
        programmesWithPermits = null;
    }

    private void readRows(RoundTrip trip, Set<UUID> ids) {
        Map<UUID, Row> found = new HashMap<>();
        rows = found;
        if (ids.isEmpty()) {
            return;
        }
        Object[] wanted = ids.toArray();
        // Locked in id order, so that two nodes' batches never wait for each other in a cycle.
        trip.query("select c.id, c.account_id, c.programme_id, c.valid_from, "
                + "c.valid_until, c.purposes, c.scope, c.access_modes, c.programme_version, s.seq, s.status, s.record "
                + "from consent c "
                + "join lateral (select seq, status, record from consent_status where consent_id = c.id "
                + "order by seq desc limit 1) s on true where c.id = any (?) order by c.id for update of c",
                (ps, i) -> ps.setArray(i, ps.getConnection().createArrayOf("uuid", wanted)), rs -> {
                    while (rs.next()) {
                        UUID id = Sql.uuid(rs, "id");
                        found.put(id, new Row(id, Sql.uuid(rs, "account_id"), Sql.uuid(rs, "programme_id"),
                                new Validity(Sql.instant(rs, "valid_from"), Sql.instant(rs, "valid_until")),
                                Sql.strings(rs, "purposes").stream().map(p -> Purpose.fromCode(p).orElseThrow())
                                        .toList(),
                                DataScope.fromJson(Json.read(rs.getString("scope"))),
                                Sql.accessModes(rs, "access_modes"),
                                org.mydata.operator.release.ConsentGrant.version(
                                        rs.getObject("programme_version", Integer.class)), rs.getInt("seq"),
                                ConsentStatus.fromWire(rs.getString("status")).orElseThrow(), rs.getString("record")));
                    }
                });
    }
}
