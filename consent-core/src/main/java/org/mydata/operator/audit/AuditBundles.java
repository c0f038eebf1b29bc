package org.mydata.operator.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.mydata.operator.access.AccessEntry;
import org.mydata.operator.access.PersonAccess;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.log.Checkpoint;
import org.mydata.operator.log.Hash;
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

    private AuditBundle assemble(UUID consentId, UUID accountId) {
        long needed = tx.read(c -> gather(c, consentId, accountId)).highestLogIndex() + 1;
        awaitCheckpointCovering(needed);
        return tx.read(c -> {
            // Gathered again, so that a status change made while waiting is in the bundle too.
            Gathered gathered = gather(c, consentId, accountId);
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
            return new AuditBundle(consentId.toString(), checkpoint, records, events);
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
        List<FoundEvent> events = new ArrayList<>();
        // The entry is read from the log itself: for an access event, the canonical JSON there is the record.
        try (PreparedStatement ps = c.prepareStatement("""
                select e.log_index, le.entry, le.leaf_hash
                  from access_event e join log_entry le on le.idx = e.log_index
                 where ? = any (e.consent_ids)
                 order by e.log_index
                """)) {
            ps.setObject(1, consentId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(new FoundEvent(rs.getLong("log_index"), rs.getBytes("entry"),
                            new Hash(rs.getBytes("leaf_hash"))));
                }
            }
        }
        return new Gathered(records, events);
    }
}
