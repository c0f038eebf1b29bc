package org.mydata.operator.access;

import org.mydata.operator.verify.access.PersonAccess;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.erdtman.jcs.JsonCanonicalizer;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.json.Json;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.verify.log.EntryBundle;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.release.ConsentGrant;
import org.mydata.operator.release.Inclusion;
import org.mydata.operator.release.PermitTerms;
import org.mydata.operator.verify.release.Refusal;
import org.mydata.operator.release.ReleasePolicy;
import org.mydata.operator.verify.release.Standing;
import org.mydata.operator.verify.release.Validity;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * Durable records of data released through the gateway, and each person's view of them.
 *
 * <p>An event is one log entry when its canonical JSON fits in the bound on an entry; a larger one (an export
 * download of thousands of persons) is logged as several entries, its <em>chunks</em>, appended one after the
 * other in the same transaction: each states the whole event's header (ids, client, interaction, types, counts,
 * {@code iat}) and {@code chunk: {index, count}}, and names a part of its persons (never splitting one person's
 * rows). docs/records.md ("Access event"), docs/auditing.md.
 */
public final class AccessLog {
    /**
     * The default bound on one access event entry: what a C2SP tlog-tiles entry bundle can carry
     * ({@link EntryBundle#MAX_ENTRY_BYTES}), so that every access event can also be audited from a mirror of the
     * tiles. {@code operator.log.access-event-chunk-bytes}.
     */
    public static final int DEFAULT_MAX_ENTRY_BYTES = EntryBundle.MAX_ENTRY_BYTES;
    /**
     * The least an entry may be bounded to. Each chunk must hold the event's header (about 450 bytes) and one
     * person's rows (about 165 bytes each): a bound that leaves no room for them refuses every large event.
     */
    public static final int MIN_ENTRY_BYTES = 512;
    /** Person rows per insert statement. */
    private static final int PERSONS_PER_STATEMENT = 20_000;

    private final Transactions tx;
    private final LogAppender appender;
    private final int maxEntryBytes;

    public AccessLog(Transactions tx, LogAppender appender) {
        this(tx, appender, DEFAULT_MAX_ENTRY_BYTES);
    }

    /** @param maxEntryBytes the most bytes of one log entry of an event; a larger event is logged in chunks */
    public AccessLog(Transactions tx, LogAppender appender, int maxEntryBytes) {
        if (maxEntryBytes < MIN_ENTRY_BYTES || maxEntryBytes > TransparencyLog.MAX_ENTRY_BYTES) {
            throw new IllegalArgumentException("an access event's entry is bounded to between " + MIN_ENTRY_BYTES
                    + " and " + TransparencyLog.MAX_ENTRY_BYTES + " bytes, not " + maxEntryBytes);
        }
        this.tx = tx;
        this.appender = appender;
        this.maxEntryBytes = maxEntryBytes;
    }

    /**
     * Writes the event and its log entry and commits both; only after this returns may the data be
     * released. The entry is the event as RFC 8785 canonical JSON: pseudonymous ids, codes and counts.
     *
     * <p>The check runs in the log appender's batch, at the event's place in the log, after every write before
     * it (a withdrawal or a revocation in the same batch included), and asks the whole release policy: the permit
     * (share-locked, as a revocation takes it for update) must be usable and name every type of the event, and
     * each consent relied on (share-locked with its live links) must be one the policy relies on for the permit
     * and every type. So the log never shows an access after a revocation, withdrawal or pause that ended what it
     * relied on, which is what an auditor checks. Data periods are judged per resource before, by the same
     * policy: the terms they are judged by are signed and do not change.
     *
     * @throws PermitEndedException   when the permit may not be used for the event's types at its time; nothing
     *                                is written
     * @throws ConsentsEndedException when a consent relied on may no longer be relied on by the release policy
     *                                (in force, purposes and types covered) at the event's time; nothing is written
     */
    public void record(AccessEvent event) {
        record(event, c -> { }, (b, logIndex) -> null);
    }

    /** A check of a write that goes with an access event, run before the event's own; refuses by throwing. */
    @FunctionalInterface
    public interface Precondition {
        void check(Connection c) throws SQLException;
    }

    /** What a write that goes with an access event stores right after it, in the same transaction. */
    @FunctionalInterface
    public interface After<T> {
        T write(LogAppender.Batch batch, long eventLogIndex) throws SQLException;
    }

    /**
     * As {@link #record(AccessEvent)}, with a write of the caller's that stands or falls with the event: its
     * {@code precondition} runs at the event's place in the log before the event's checks, and {@code after}
     * right after the event is appended (a statistical answer's signed record, which names the event), given the
     * index of the event's last entry (its only one, unless it was logged in chunks).
     *
     * <p>An event logged in chunks is checked once, at its first chunk's place: its chunks follow one another in
     * the log with nothing between them, so every chunk's position sees the same consents and permit. All of its
     * chunks, its rows and the caller's write commit in one transaction, or none of them.
     */
    public <T> T record(AccessEvent event, Precondition precondition, After<T> after) {
        List<Chunk> chunks = chunks(event, maxEntryBytes);
        return appender.submit(c -> {
            precondition.check(c);
            PermitTerms permit = Permits.findShareLocked(c, event.permitId()).map(PermitTerms::of)
                    .orElseThrow(() -> new PermitEndedException(event.permitId(), Refusal.PERMIT_REVOKED));
            for (String type : event.resourceTypes()) {
                Optional<Refusal> refusal = ReleasePolicy.whyNotForType(permit, type, event.at());
                if (refusal.isPresent()) {
                    throw new PermitEndedException(event.permitId(), refusal.get());
                }
            }
            Set<UUID> ended = new HashSet<>(notReliable(c, permit, event));
            ended.addAll(notIncluded(c, permit, event));
            if (!ended.isEmpty()) {
                throw new ConsentsEndedException(ended);
            }
            return b -> {
                long[] indexes = new long[chunks.size()];
                for (int i = 0; i < indexes.length; i++) {
                    indexes[i] = b.append(chunks.get(i).entry());
                }
                long logIndex = indexes[0];
                Connection w = b.connection();
                try (PreparedStatement ps = w.prepareStatement("insert into access_event (id, permit_id, client, "
                        + "interaction, resource_types, resource_count, person_count, consent_ids, created_at, "
                        + "log_index, chunk_count) values (?,?,?,?,?,?,?,?,?,?,?)")) {
                    ps.setObject(1, event.id());
                    ps.setObject(2, event.permitId());
                    ps.setString(3, event.client());
                    ps.setString(4, event.interaction());
                    ps.setArray(5, Sql.textArray(w, event.resourceTypes()));
                    ps.setInt(6, event.resourceCount());
                    ps.setInt(7, event.personCount());
                    ps.setArray(8, w.createArrayOf("uuid", event.consentIds().toArray()));
                    ps.setTimestamp(9, Sql.timestamp(event.at()));
                    ps.setLong(10, logIndex);
                    ps.setInt(11, chunks.size());
                    ps.executeUpdate();
                }
                insertPersons(w, event.id(), chunks, indexes);
                return after.write(b, indexes[indexes.length - 1]);
            };
        });
    }

    /**
     * {@link #record} of the persons still in: those whose consent (or, under an opt-out basis, inclusion) the last
     * check finds ended are left out, with their resources, and the rest is recorded. Each round leaves out at
     * least one, so this ends.
     *
     * @return the consent or link ids left out: their persons' data must not be released
     * @throws PermitEndedException as {@link #record}
     */
    public Set<UUID> recordOfThoseStillIn(AccessEvent event) {
        Set<UUID> ended = new HashSet<>();
        AccessEvent still = event;
        while (true) {
            try {
                record(still);
                return ended;
            } catch (ConsentsEndedException refused) {
                ended.addAll(refused.consentIds());
                List<PersonAccess> fewer = still.persons().stream().filter(p -> !ended.contains(p.reliedOn())).toList();
                if (fewer.size() == still.persons().size()) {
                    throw refused;
                }
                int left = fewer.stream().mapToInt(PersonAccess::resourceCount).sum();
                still = new AccessEvent(still.id(), still.permitId(), still.client(), still.interaction(),
                        still.resourceTypes(), still.resourceCount() - (still.persons().stream()
                        .mapToInt(PersonAccess::resourceCount).sum() - left), fewer, still.at());
            }
        }
    }

    /** The event's persons, each with the index of the entry that names them, in a statement per many thousands. */
    private static void insertPersons(Connection c, UUID eventId, List<Chunk> chunks, long[] indexes)
            throws SQLException {
        List<PersonAccess> rows = new ArrayList<>();
        List<Long> rowIndexes = new ArrayList<>();
        for (int k = 0; k < chunks.size(); k++) {
            for (PersonAccess person : chunks.get(k).persons()) {
                rows.add(person);
                rowIndexes.add(indexes[k]);
                if (rows.size() == PERSONS_PER_STATEMENT) {
                    insertPersons(c, eventId, rows, rowIndexes);
                    rows.clear();
                    rowIndexes.clear();
                }
            }
        }
        if (!rows.isEmpty()) {
            insertPersons(c, eventId, rows, rowIndexes);
        }
    }

    private static void insertPersons(Connection c, UUID eventId, List<PersonAccess> rows, List<Long> rowIndexes)
            throws SQLException {
        int n = rows.size();
        Object[] accounts = new Object[n];
        Object[] consents = new Object[n];
        Object[] links = new Object[n];
        Object[] counts = new Object[n];
        for (int i = 0; i < n; i++) {
            PersonAccess person = rows.get(i);
            accounts[i] = person.accountId();
            consents[i] = person.consentId();
            links[i] = person.slrId();
            counts[i] = person.resourceCount();
        }
        try (PreparedStatement ps = c.prepareStatement("insert into access_event_person (event_id, account_id, "
                + "consent_id, link_id, resource_count, log_index) select ?, a, k, l, n, x "
                + "from unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::int[], ?::bigint[]) as t(a, k, l, n, x) "
                + "on conflict (event_id, account_id, (coalesce(consent_id, link_id))) do nothing")) {
            ps.setObject(1, eventId);
            ps.setArray(2, c.createArrayOf("uuid", accounts));
            ps.setArray(3, c.createArrayOf("uuid", consents));
            ps.setArray(4, c.createArrayOf("uuid", links));
            ps.setArray(5, c.createArrayOf("int4", counts));
            ps.setArray(6, c.createArrayOf("int8", rowIndexes.toArray()));
            ps.executeUpdate();
        }
    }

    /**
     * The consents relied on that the release policy does not rely on for the permit and every type of the event
     * at its time. The consents and their live links are share-locked: a status change or a link removal waits
     * for this transaction, or this one sees it, so the log never shows an access after a change that ended what
     * it relied on.
     */
    private static Set<UUID> notReliable(Connection c, PermitTerms permit, AccessEvent event) throws SQLException {
        List<UUID> consentIds = event.consentIds();
        if (consentIds.isEmpty()) {
            return Set.of();
        }
        Set<UUID> linked = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("select cl.consent_id from consent_link cl "
                + "join service_link sl on sl.id = cl.link_id "
                + "where cl.consent_id = any (?) and sl.removed_at is null for share of sl")) {
            ps.setArray(1, c.createArrayOf("uuid", consentIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    linked.add(Sql.uuid(rs, "consent_id"));
                }
            }
        }
        Set<UUID> ended = new HashSet<>(consentIds);
        try (PreparedStatement ps = c.prepareStatement("select c.id, c.account_id, c.purposes, c.scope, "
                + "c.access_modes, c.programme_version, c.valid_from, c.valid_until, c.own_decision_due, (select s.status from consent_status s where s.consent_id = c.id "
                + "order by s.seq desc limit 1) as status from consent c where c.id = any (?) for share of c")) {
            ps.setArray(1, c.createArrayOf("uuid", consentIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID id = Sql.uuid(rs, "id");
                    ConsentGrant grant = new ConsentGrant(id, Sql.uuid(rs, "account_id"),
                            Sql.strings(rs, "purposes").stream().map(p -> Purpose.fromCode(p).orElseThrow()).toList(),
                            DataScope.fromJson(Json.read(rs.getString("scope"))), Sql.accessModes(rs, "access_modes"),
                            ConsentGrant.version(rs.getObject("programme_version", Integer.class)),
                            new Standing(ConsentStatus.fromWire(rs.getString("status")).orElse(null),
                                    new Validity(Sql.instant(rs, "valid_from"), Sql.instant(rs, "valid_until")),
                                    linked.contains(id), Sql.instant(rs, "own_decision_due")));
                    if (event.resourceTypes().stream().allMatch(type ->
                            ReleasePolicy.whyNotReliable(grant, permit, type, event.at()).isEmpty())) {
                        ended.remove(id);
                    }
                }
            }
        }
        return ended;
    }

    /**
     * The links through which the event included persons under an opt-out basis whom the release policy no longer
     * includes: the link was removed, is not at one of the programme's sources, is not the person's, or the
     * person has a live opt-out of the programme. The links are share-locked, so a removal waits for this
     * transaction; an opt-out is written through the same log appender, whose batches take the log's head in
     * turn on every node, so it either committed before this batch (and is seen here) or comes after the event.
     */
    private static Set<UUID> notIncluded(Connection c, PermitTerms permit, AccessEvent event) throws SQLException {
        List<UUID> linkIds = event.linkIds();
        if (linkIds.isEmpty()) {
            return Set.of();
        }
        Set<UUID> ended = new HashSet<>(linkIds);
        Map<UUID, UUID> accountOfLink = new HashMap<>();
        for (PersonAccess person : event.persons()) {
            if (person.slrId() != null) {
                accountOfLink.put(person.slrId(), person.accountId());
            }
        }
        try (PreparedStatement ps = c.prepareStatement("""
                select sl.id, sl.account_id,
                       exists (select 1 from opt_out o where o.account_id = sl.account_id
                                  and o.programme_id = p.id and o.withdrawn_at is null) as opted_out
                  from service_link sl
                  join permit pm on pm.id = ?
                  join programme p on p.id = pm.programme_id
                 where sl.id = any (?) and sl.removed_at is null and sl.source_id = any (p.source_ids)
                   for share of sl
                """)) {
            ps.setObject(1, event.permitId());
            ps.setArray(2, c.createArrayOf("uuid", linkIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID link = Sql.uuid(rs, "id");
                    if (!Sql.uuid(rs, "account_id").equals(accountOfLink.get(link))) {
                        continue;
                    }
                    Inclusion inclusion = new Inclusion(link, Sql.uuid(rs, "account_id"), true,
                            rs.getBoolean("opted_out"), null);
                    if (event.resourceTypes().stream().allMatch(type ->
                            ReleasePolicy.whyNotReliable(inclusion, permit, type, event.at()).isEmpty())) {
                        ended.remove(link);
                    }
                }
            }
        }
        return ended;
    }

    /**
     * The log entry of an event in one piece: its JSON form, canonicalised per RFC 8785 so anyone can rebuild the
     * bytes. An event too large for one entry is logged as {@link #canonicalEntries}.
     */
    public static byte[] canonicalEntry(AccessEvent event) {
        return canonical(header(event), event.consentIds(), event.persons());
    }

    /**
     * The log entries of an event, each at most {@code maxEntryBytes}: its {@link #canonicalEntry} when that fits,
     * else its chunks in order. The chunks share the event's header and state {@code chunk: {index, count}}; each
     * names the rows of whole persons (a person's rows are never split), in the order the event names them, and the
     * consents of those rows.
     *
     * @throws IllegalArgumentException when one person's rows alone do not fit in an entry of that size
     */
    public static List<byte[]> canonicalEntries(AccessEvent event, int maxEntryBytes) {
        return chunks(event, maxEntryBytes).stream().map(Chunk::entry).toList();
    }

    /** One log entry of an event and the person rows it names. */
    private record Chunk(byte[] entry, List<PersonAccess> persons) {
    }

    /** The canonical bytes of a JSON object with an ASCII UUID string member, beside what the rest takes: {@code "":"",}. */
    private static final int UUID_STRING = 36 + 2;

    private static List<Chunk> chunks(AccessEvent event, int maxEntryBytes) {
        // Exact for what the writer writes (UUIDs, counts and keys are ASCII); the entries are measured again below.
        long estimate = 0;
        for (PersonAccess person : event.persons()) {
            estimate += rowBytes(person) + UUID_STRING + 2;
        }
        if (estimate < maxEntryBytes) {
            byte[] whole = canonicalEntry(event);
            if (whole.length <= maxEntryBytes) {
                return List.of(new Chunk(whole, event.persons()));
            }
        }
        Map<String, Object> header = header(event);
        // The largest the chunk member can be: its index and count as large as an int.
        header.put("chunk", Map.of("index", Integer.MAX_VALUE, "count", Integer.MAX_VALUE));
        long room = maxEntryBytes - (long) canonical(header, List.of(), List.of()).length;
        Map<UUID, List<PersonAccess>> byAccount = new LinkedHashMap<>();
        for (PersonAccess person : event.persons()) {
            byAccount.computeIfAbsent(person.accountId(), a -> new ArrayList<>()).add(person);
        }
        List<List<PersonAccess>> parts = new ArrayList<>();
        List<PersonAccess> part = new ArrayList<>();
        long used = 0;
        for (List<PersonAccess> rows : byAccount.values()) {
            long bytes = 0;
            for (PersonAccess row : rows) {
                // The row and its comma; its consent id (or none, under an opt-out basis) and its comma.
                bytes += rowBytes(row) + 1 + (row.consentId() == null ? 0 : UUID_STRING + 1);
            }
            if (bytes > room) {
                throw new IllegalArgumentException("one person's rows of an access event take " + bytes
                        + " bytes, more than an entry of " + maxEntryBytes + " bytes holds beside its header");
            }
            if (used + bytes > room) {
                parts.add(part);
                part = new ArrayList<>();
                used = 0;
            }
            part.addAll(rows);
            used += bytes;
        }
        parts.add(part);
        List<Chunk> chunks = new ArrayList<>(parts.size());
        for (int k = 0; k < parts.size(); k++) {
            List<PersonAccess> rows = parts.get(k);
            Map<String, Object> json = header(event);
            Map<String, Object> chunk = new LinkedHashMap<>();
            chunk.put("index", k);
            chunk.put("count", parts.size());
            json.put("chunk", chunk);
            byte[] entry = canonical(json, rows.stream().map(PersonAccess::consentId)
                    .filter(java.util.Objects::nonNull).distinct().toList(), rows);
            if (entry.length > maxEntryBytes) {
                throw new IllegalStateException("chunk " + k + " of an access event came to " + entry.length
                        + " bytes, more than " + maxEntryBytes);
            }
            chunks.add(new Chunk(entry, rows));
        }
        return chunks;
    }

    /** The canonical length of a person's row ({@link PersonAccess#toJson}): every member is ASCII. */
    private static long rowBytes(PersonAccess person) {
        long bytes = 2 + 2;                                        // {} and the commas between three members
        bytes += "\"account_id\":".length() + UUID_STRING;
        bytes += person.consentId() != null ? "\"consent_id\":".length() + UUID_STRING
                : "\"slr_id\":".length() + UUID_STRING;
        bytes += "\"resource_count\":".length() + Integer.toString(person.resourceCount()).length();
        return bytes;
    }

    /** What every entry of the event states, whole or chunked: all but its consents and persons. */
    private static Map<String, Object> header(AccessEvent event) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("type", "access-event");
        json.put("event_id", event.id().toString());
        json.put("permit_id", event.permitId().toString());
        json.put("client", event.client());
        json.put("interaction", event.interaction());
        json.put("resource_types", event.resourceTypes());
        json.put("resource_count", event.resourceCount());
        json.put("person_count", event.personCount());
        json.put("iat", event.at().getEpochSecond());
        return json;
    }

    private static byte[] canonical(Map<String, Object> header, List<UUID> consentIds, List<PersonAccess> persons) {
        Map<String, Object> json = new LinkedHashMap<>(header);
        json.put("consent_ids", consentIds.stream().map(UUID::toString).sorted().toList());
        json.put("persons", persons.stream().map(PersonAccess::toJson).toList());
        try {
            return new JsonCanonicalizer(Json.write(json)).getEncodedUTF8();
        } catch (IOException e) {
            throw new IllegalStateException("an access event could not be canonicalised", e);
        }
    }

    /** Every access that touched the person's data, newest first. */
    public List<CitizenAccess> ofAccount(UUID accountId) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    select e.id, e.permit_id, p.request_id, r.title, p.organisation, r.purpose, ep.consent_id,
                           e.resource_types, ep.resource_count, e.created_at, pg.name as programme_name,
                           e.interaction
                      from access_event_person ep
                      join access_event e on e.id = ep.event_id
                      join permit p on p.id = e.permit_id
                      join programme pg on pg.id = p.programme_id
                      join data_request r on r.id = p.request_id
                     where ep.account_id = ?
                     order by e.created_at desc, e.id
                    """)) {
                ps.setObject(1, accountId);
                try (ResultSet rs = ps.executeQuery()) {
                    List<CitizenAccess> result = new ArrayList<>();
                    while (rs.next()) {
                        result.add(new CitizenAccess(Sql.uuid(rs, "id"), Sql.uuid(rs, "permit_id"),
                                Sql.uuid(rs, "request_id"), rs.getString("title"), rs.getString("organisation"),
                                rs.getString("purpose"), Sql.uuid(rs, "consent_id"), Sql.strings(rs, "resource_types"),
                                rs.getInt("resource_count"), Sql.instant(rs, "created_at"),
                                rs.getString("programme_name"), rs.getString("interaction")));
                    }
                    return result;
                }
            }
        });
    }
}
