package org.mydata.operator.audit;

import org.mydata.operator.verify.audit.AuditBundle;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.mydata.operator.verify.access.AccessEntry;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.store.Transactions;

/**
 * Assembles a consent's {@link AuditBundle} from the database: the consent record, its status records in
 * chain order, the service links it names and their removals, and every access event that relied on it,
 * each with an inclusion proof against the latest checkpoint.
 *
 * <p>The records are read from the domain tables (where the operator keeps them and serves them to the
 * person), not from the log, so a bundle shows whether what the operator holds is what it logged. Access
 * events have no signature of their own; their log entry (the canonical JSON) is what they are.
 *
 * <p><b>Records newer than the latest checkpoint.</b> Appends commit before the log writer integrates them,
 * usually within a second. Rather than hand out a bundle the auditor cannot check, assembling wakes the
 * writer and waits, at most {@code maxWait}, for a checkpoint that covers every record found. Should none
 * come in time (the writer is down), the bundle still lists the uncovered records, with their log index
 * but without an audit path, and the verifier reports each as not yet covered: nothing is silently left
 * out.
 */
public final class AuditBundles {
    private static final Duration POLL = Duration.ofMillis(50);

    private final Transactions tx;
    private final TransparencyLog log;
    private final Runnable wakeWriter;
    private final Duration maxWait;

    /**
     * @param wakeWriter asks the log writer to integrate now ({@code LogWriter::wakeUp})
     * @param maxWait    the longest a request waits for a checkpoint covering the consent's records
     */
    public AuditBundles(Transactions tx, TransparencyLog log, Runnable wakeWriter, Duration maxWait) {
        this.tx = Objects.requireNonNull(tx, "tx");
        this.log = Objects.requireNonNull(log, "log");
        this.wakeWriter = Objects.requireNonNull(wakeWriter, "wakeWriter");
        this.maxWait = Objects.requireNonNull(maxWait, "maxWait");
    }

    /** Any consent's bundle, for auditors. */
    public AuditBundle ofConsent(UUID consentId) {
        return assemble(consentId, null);
    }

    /**
     * The person's own consent's bundle; another person's consent is reported as not found. Access events that
     * also released other persons' data are {@linkplain AuditBundle.Withheld withheld}: the person sees their
     * own part and the proof that the entry is in the log, never the other persons' ids or counts.
     */
    public AuditBundle ofOwnConsent(UUID accountId, UUID consentId) {
        return assemble(consentId, Objects.requireNonNull(accountId, "accountId"));
    }

    /**
     * A person's inclusion in a programme on an opt-out basis, for auditors: their links at the programme's
     * sources and the removals, their opt-out chain for the programme, the programme's permits that included
     * them, and those access events.
     */
    public AuditBundle ofInclusion(UUID accountId, UUID programmeId) {
        return assemble(new AuditBundle.Inclusion(accountId.toString(), programmeId.toString()), null,
                c -> gatherInclusion(c, accountId, programmeId));
    }

    /** The person's own inclusion bundle; events that also name others are withheld as in {@link #ofOwnConsent}. */
    public AuditBundle ofOwnInclusion(UUID accountId, UUID programmeId) {
        return assemble(new AuditBundle.Inclusion(accountId.toString(), programmeId.toString()), accountId,
                c -> gatherInclusion(c, accountId, programmeId));
    }

    private AuditBundle assemble(UUID consentId, UUID accountId) {
        return assemble(consentId.toString(), null, accountId, c -> gather(c, consentId, accountId));
    }

    private AuditBundle assemble(AuditBundle.Inclusion inclusion, UUID accountId, Gatherer gatherer) {
        return assemble(null, inclusion, accountId, gatherer);
    }

    @FunctionalInterface
    private interface Gatherer {
        Gathered gather(Connection c) throws SQLException;
    }

    private AuditBundle assemble(String consentId, AuditBundle.Inclusion inclusion, UUID accountId,
                                 Gatherer gatherer) {
        long needed = tx.read(gatherer::gather).highestLogIndex() + 1;
        awaitCheckpointCovering(needed);
        return tx.read(c -> {
            // Gathered again, so that a status change made while waiting is in the bundle too.
            Gathered gathered = gatherer.gather(c);
            Checkpoint checkpoint = TransparencyLog.latestCheckpoint(c).orElseThrow(() ->
                    new NotFoundException("the log has no checkpoint yet; ask again in a moment"));
            List<AuditBundle.Item> records = new ArrayList<>();
            for (Found r : gathered.records()) {
                records.add(new AuditBundle.Item(r.kind(), r.logIndex(), r.jws(), proof(c, r.logIndex(), checkpoint)));
            }
            List<AuditBundle.AccessEventItem> events = new ArrayList<>();
            for (FoundEvent e : gathered.events()) {
                AuditBundle.Withheld withheld = accountId == null ? null : withheld(e.entry(), accountId);
                events.add(new AuditBundle.AccessEventItem(e.logIndex(), withheld == null ? e.entry() : null,
                        e.entry() == null || withheld != null ? e.leafHash() : null, proof(c, e.logIndex(), checkpoint),
                        withheld));
            }
            return new AuditBundle(consentId, inclusion, checkpoint, records, events);
        });
    }

    /**
     * For a person's own bundle: null when the entry concerns only them (it goes in whole), else what they are
     * told instead of it. An entry that cannot be read is given whole: it names nobody the parser could find,
     * and the verifier must see it to report it.
     */
    private static AuditBundle.Withheld withheld(byte[] entry, UUID accountId) {
        if (!(AccessEntry.parse(entry) instanceof AccessEntry read)) {
            return null;
        }
        List<PersonAccess> own = read.persons().stream().filter(p -> p.accountId().equals(accountId)).toList();
        boolean others = own.size() < read.persons().size()
                || !own.stream().map(PersonAccess::consentId).toList().containsAll(read.consentIds());
        return others ? new AuditBundle.Withheld(read.eventId(), read.permitId(), read.interaction(),
                read.resourceTypes(), read.at(), own) : null;
    }

    private List<Hash> proof(Connection c, Long index, Checkpoint checkpoint) throws SQLException {
        if (index == null || index >= checkpoint.treeSize()) {
            return null;
        }
        return log.inclusionProof(c, index, checkpoint.treeSize()).auditPath();
    }

    private void awaitCheckpointCovering(long size) {
        if (covered(size)) {
            return;
        }
        wakeWriter.run();
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (covered(size)) {
                return;
            }
        }
    }

    private boolean covered(long size) {
        return log.latestCheckpoint().map(Checkpoint::treeSize).orElse(0L) >= size;
    }

    // ---- reading the consent's records ----------------------------------------------------------------

    private record Found(AuditBundle.Kind kind, Long logIndex, String jws) {
    }

    private record FoundEvent(long logIndex, byte[] entry, Hash leafHash) {
    }

    private record Gathered(List<Found> records, List<FoundEvent> events) {
        long highestLogIndex() {
            long highest = -1;
            for (Found r : records) {
                if (r.logIndex() != null) {
                    highest = Math.max(highest, r.logIndex());
                }
            }
            for (FoundEvent e : events) {
                highest = Math.max(highest, e.logIndex());
            }
            return highest;
        }
    }

    private static Gathered gather(Connection c, UUID consentId, UUID accountId) throws SQLException {
        List<Found> records = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select record, log_index from consent where id = ?"
                + (accountId == null ? "" : " and account_id = ?"))) {
            ps.setObject(1, consentId);
            if (accountId != null) {
                ps.setObject(2, accountId);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new NotFoundException("no consent " + consentId);
                }
                records.add(new Found(AuditBundle.Kind.CR, rs.getObject("log_index", Long.class),
                        rs.getString("record")));
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "select record, log_index from consent_status where consent_id = ? order by seq")) {
            ps.setObject(1, consentId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    records.add(new Found(AuditBundle.Kind.CSR, rs.getObject("log_index", Long.class),
                            rs.getString("record")));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("""
                select sl.record, sl.log_index, sl.removal_record, sl.removal_log_index
                  from consent_link cl join service_link sl on sl.id = cl.link_id
                 where cl.consent_id = ?
                 order by sl.log_index nulls last, sl.id
                """)) {
            ps.setObject(1, consentId);
            addLinks(ps, records);
        }
        // The permits the events relied on, so the verifier sees which legal basis each rests on.
        permits(c, records, "select distinct p.record, p.log_index, p.revocation_record, p.revocation_log_index "
                + "from access_event e join permit p on p.id = e.permit_id where ? = any (e.consent_ids) "
                + "order by p.log_index", ps -> ps.setObject(1, consentId));
        List<FoundEvent> events = new ArrayList<>();
        // The entry is read from the log itself: for an access event, the canonical JSON there is the record. Of an
        // event logged in chunks, the chunk that names this consent (rows before chunks existed name none).
        events(c, events, """
                select x.log_index, le.entry, le.leaf_hash
                  from (select coalesce(ep.log_index, e.log_index) as log_index
                          from access_event e
                          left join access_event_person ep on ep.event_id = e.id and ep.consent_id = ?
                         where ? = any (e.consent_ids)) x
                  join log_entry le on le.idx = x.log_index
                 order by x.log_index
                """, ps -> {
                    ps.setObject(1, consentId);
                    ps.setObject(2, consentId);
                });
        return new Gathered(records, events);
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private static void permits(Connection c, List<Found> records, String sql, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    records.add(new Found(AuditBundle.Kind.PERMIT, rs.getObject("log_index", Long.class),
                            rs.getString("record")));
                    if (rs.getString("revocation_record") != null) {
                        records.add(new Found(AuditBundle.Kind.PERMIT_REVOCATION,
                                rs.getObject("revocation_log_index", Long.class), rs.getString("revocation_record")));
                    }
                }
            }
        }
    }

    private static void events(Connection c, List<FoundEvent> events, String sql, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(new FoundEvent(rs.getLong("log_index"), rs.getBytes("entry"),
                            new Hash(rs.getBytes("leaf_hash"))));
                }
            }
        }
    }

    private static Gathered gatherInclusion(Connection c, UUID accountId, UUID programmeId) throws SQLException {
        List<Found> records = new ArrayList<>();
        boolean optOutProgramme;
        try (PreparedStatement ps = c.prepareStatement("select legal_basis from programme where id = ?")) {
            ps.setObject(1, programmeId);
            try (ResultSet rs = ps.executeQuery()) {
                optOutProgramme = rs.next() && !"consent".equals(rs.getString("legal_basis"));
            }
        }
        if (!optOutProgramme) {
            throw new NotFoundException("no programme " + programmeId + " on an opt-out basis");
        }
        try (PreparedStatement ps = c.prepareStatement("""
                select sl.record, sl.log_index, sl.removal_record, sl.removal_log_index
                  from service_link sl join programme p on p.id = ? and sl.source_id = any (p.source_ids)
                 where sl.account_id = ?
                 order by sl.log_index nulls last, sl.id
                """)) {
            ps.setObject(1, programmeId);
            ps.setObject(2, accountId);
            addLinks(ps, records);
        }
        try (PreparedStatement ps = c.prepareStatement("select record, log_index from opt_out_record "
                + "where account_id = ? and programme_id = ? order by seq")) {
            ps.setObject(1, accountId);
            ps.setObject(2, programmeId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    records.add(new Found(AuditBundle.Kind.OPT_OUT, rs.getLong("log_index"), rs.getString("record")));
                }
            }
        }
        String included = """
                from access_event e join permit p on p.id = e.permit_id
                 where p.programme_id = ? and exists (select 1 from access_event_person ep where ep.event_id = e.id
                                                         and ep.account_id = ? and ep.link_id is not null)
                """;
        permits(c, records, "select distinct p.record, p.log_index, p.revocation_record, p.revocation_log_index "
                + included + " order by p.log_index", ps -> {
                    ps.setObject(1, programmeId);
                    ps.setObject(2, accountId);
                });
        List<FoundEvent> events = new ArrayList<>();
        // Of an event logged in chunks, the chunk that names the person.
        events(c, events, """
                select x.log_index, le.entry, le.leaf_hash
                  from (select distinct coalesce(ep.log_index, e.log_index) as log_index
                          from access_event e join permit p on p.id = e.permit_id
                          join access_event_person ep on ep.event_id = e.id
                         where p.programme_id = ? and ep.account_id = ? and ep.link_id is not null) x
                  join log_entry le on le.idx = x.log_index
                 order by x.log_index
                """, ps -> {
                    ps.setObject(1, programmeId);
                    ps.setObject(2, accountId);
                });
        return new Gathered(records, events);
    }

    /** Each service link record the query finds, and its removal record if it was removed, in the query's order. */
    private static void addLinks(PreparedStatement ps, List<Found> records) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                records.add(new Found(AuditBundle.Kind.SLR, rs.getObject("log_index", Long.class),
                        rs.getString("record")));
                if (rs.getString("removal_record") != null) {
                    records.add(new Found(AuditBundle.Kind.SLR_REMOVAL,
                            rs.getObject("removal_log_index", Long.class), rs.getString("removal_record")));
                }
            }
        }
    }
}
