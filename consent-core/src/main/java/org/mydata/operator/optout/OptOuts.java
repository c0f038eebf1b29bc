package org.mydata.operator.optout;

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
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.programme.Language;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.representation.Acting;
import org.mydata.operator.representation.OwnDecision;
import org.mydata.operator.verify.release.LegalBasis;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * Opt-outs of programmes that rest on an opt-out basis: made, listed and withdrawn by the person. Every write
 * goes through the node's {@link LogAppender}, the one signing path, and is checked at its place in the batch:
 * the batch holds the log's head, which every node's batches take in turn, so the check sees every earlier
 * opt-out of the person on any node and the chain never forks; the database's unique index on live opt-outs
 * stands behind it. Nothing is cached: the cohort query reads the opt-outs of the moment, so an opt-out that has
 * returned keeps the person out of every request that starts after it, on every node.
 */
public final class OptOuts {
    private final Transactions tx;
    private final LogAppender appender;
    private final Clock clock;

    public OptOuts(Transactions tx, LogAppender appender, Clock clock) {
        this.tx = tx;
        this.appender = appender;
        this.clock = clock;
    }

    /** The notice a person is shown before opting out of the programme, exactly as its hash is signed. */
    public String notice(UUID programmeId, Language language) {
        return tx.read(c -> notice(c, optOutProgramme(c, programmeId), language));
    }

    /** The English notice. */
    public String notice(UUID programmeId) {
        return notice(programmeId, Language.EN);
    }

    /** An opt-out read in English. */
    public OptOut optOut(Account account, UUID programmeId, String shownNoticeSha256) {
        return optOut(account, programmeId, shownNoticeSha256, Language.EN);
    }

    /**
     * Opts the person out of the programme.
     *
     * @param shownNoticeSha256 the hash of the notice the person was shown, if the client sends it: refused when
     *                          it is not the current notice's in that language
     * @param language          the language the person read the notice in; the record states it
     * @throws ConflictException when the programme rests on consent (there one withdraws consent instead), or the
     *                           person has a live opt-out of it already
     */
    public OptOut optOut(Account account, UUID programmeId, String shownNoticeSha256, Language language) {
        return optOut(account, programmeId, shownNoticeSha256, language, null);
    }

    /**
     * As {@link #optOut(Account, UUID, String, Language)}, made by someone acting for the person: the opt-out
     * record names the actor and the representation relied on ({@link Acting#addTo}), as a consent's records do.
     *
     * @param acting who acted for the person and on what representation; null when the person acted themself
     */
    public OptOut optOut(Account account, UUID programmeId, String shownNoticeSha256, Language language,
                         Acting acting) {
        record Plan(Programme programme, String notice) {
        }
        Plan plan = tx.read(c -> {
            Programme programme = optOutProgramme(c, programmeId);
            return new Plan(programme, notice(c, programme, language));
        });
        String noticeHash = RecordHash.sha256(plan.notice());
        if (shownNoticeSha256 != null && !shownNoticeSha256.equals(noticeHash)) {
            throw new ConflictException("the notice you were shown is not the current one; show it again and ask again");
        }
        UUID optOutId = UUID.randomUUID();
        Programme programme = plan.programme();
        return appender.submit(c -> {
            OptOutRecord latest = latest(c, account.id(), programmeId);
            if (latest != null && OptOutRecord.OPTED_OUT.equals(latest.status())) {
                throw new ConflictException("you have already opted out of this programme (opt-out "
                        + latest.optOutId() + ")");
            }
            return b -> {
                Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
                try (PreparedStatement ps = b.connection().prepareStatement("insert into opt_out (id, account_id, "
                        + "programme_id, created_at, acted_by) values (?,?,?,?,?::jsonb)")) {
                    ps.setObject(1, optOutId);
                    ps.setObject(2, account.id());
                    ps.setObject(3, programmeId);
                    ps.setTimestamp(4, Sql.timestamp(now));
                    ps.setString(5, OwnDecision.actedBy(acting));
                    ps.executeUpdate();
                }
                Map<String, Object> notice = new LinkedHashMap<>();
                notice.put("policy_uri", programme.termsUri().toString());
                notice.put("version", programme.termsVersion());
                notice.put("shown_text_sha256", noticeHash);
                notice.put("language", language.tag());
                append(b, account.id(), programme.id(), programme.legalBasis(), optOutId, OptOutRecord.OPTED_OUT,
                        latest, notice, now, acting);
                return load(b.connection(), account.id(), optOutId);
            };
        });
    }

    /**
     * Withdraws the person's opt-out: they are included again from the next request on.
     *
     * @throws NotFoundException when the opt-out is not the person's
     * @throws ConflictException when it was withdrawn already
     */
    public OptOut withdraw(Account account, UUID optOutId) {
        return withdraw(account, optOutId, null);
    }

    /**
     * As {@link #withdraw(Account, UUID)}, made by someone acting for the person: the withdrawal record names the
     * actor and the representation relied on.
     *
     * @param acting who acted for the person and on what representation; null when the person acted themself
     */
    public OptOut withdraw(Account account, UUID optOutId, Acting acting) {
        return appender.submit(c -> {
            UUID programmeId;
            LegalBasis basis;
            try (PreparedStatement ps = c.prepareStatement("select o.programme_id, o.withdrawn_at, p.legal_basis "
                    + "from opt_out o join programme p on p.id = o.programme_id "
                    + "where o.id = ? and o.account_id = ? for update of o")) {
                ps.setObject(1, optOutId);
                ps.setObject(2, account.id());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new NotFoundException("no opt-out " + optOutId);
                    }
                    if (rs.getTimestamp("withdrawn_at") != null) {
                        throw new ConflictException("opt-out " + optOutId + " was already withdrawn");
                    }
                    programmeId = Sql.uuid(rs, "programme_id");
                    basis = LegalBasis.fromWire(rs.getString("legal_basis")).orElseThrow();
                }
            }
            OptOutRecord latest = latest(c, account.id(), programmeId);
            return b -> {
                Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
                append(b, account.id(), programmeId, basis, optOutId, OptOutRecord.WITHDRAWN, latest, null, now,
                        acting);
                try (PreparedStatement ps = b.connection().prepareStatement(
                        "update opt_out set withdrawn_at = ? where id = ?")) {
                    ps.setTimestamp(1, Sql.timestamp(now));
                    ps.setObject(2, optOutId);
                    ps.executeUpdate();
                }
                return load(b.connection(), account.id(), optOutId);
            };
        });
    }

    /** The person's opt-outs, live and withdrawn, oldest first. */
    public List<OptOut> list(Account account) {
        return tx.read(c -> {
            List<UUID> ids = Sql.list(c, "select id from opt_out where account_id = ? order by created_at, id",
                    rs -> Sql.uuid(rs, "id"), account.id());
            List<OptOut> result = new ArrayList<>();
            for (UUID id : ids) {
                result.add(load(c, account.id(), id));
            }
            return result;
        });
    }

    /** The person's own opt-out; another person's is not found, never forbidden. */
    public OptOut get(Account account, UUID optOutId) {
        return tx.read(c -> load(c, account.id(), optOutId));
    }

    /** Every record of the person's chain for the programme, in chain order: what an inclusion bundle shows. */
    public List<OptOutRecord> chain(UUID accountId, UUID programmeId) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("select * from opt_out_record where account_id = ? "
                    + "and programme_id = ? order by seq")) {
                ps.setObject(1, accountId);
                ps.setObject(2, programmeId);
                return records(ps);
            }
        });
    }

    private static Programme optOutProgramme(Connection c, UUID programmeId) throws SQLException {
        if (programmeId == null) {
            throw new org.mydata.operator.failure.InvalidRequestException("programme_id", "programme_id is required");
        }
        Programme programme = ProgrammeRegistry.find(c, programmeId)
                .orElseThrow(() -> new NotFoundException("no programme " + programmeId));
        if (!programme.isOptOut()) {
            throw new ConflictException("programme " + programmeId + " rests on consent: nothing of yours is shared "
                    + "with it unless you consent, so there is nothing to opt out of; to stop sharing, withdraw your "
                    + "consent instead");
        }
        return programme;
    }

    private static String notice(Connection c, Programme programme, Language language) throws SQLException {
        List<FhirSource> sources = new ArrayList<>();
        for (UUID id : programme.sourceIds()) {
            SourceRegistry.find(c, id).ifPresent(sources::add);
        }
        return OptOutNotice.render(programme, language, sources);
    }

    private static OptOutRecord latest(Connection c, UUID accountId, UUID programmeId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select * from opt_out_record where account_id = ? "
                + "and programme_id = ? order by seq desc limit 1")) {
            ps.setObject(1, accountId);
            ps.setObject(2, programmeId);
            List<OptOutRecord> found = records(ps);
            return found.isEmpty() ? null : found.get(0);
        }
    }

    /** Signs the next record of the person's chain for the programme and stores it. */
    private static void append(LogAppender.Batch b, UUID accountId, UUID programmeId, LegalBasis basis, UUID optOutId,
                               String status, OptOutRecord previous, Map<String, Object> notice, Instant now,
                               Acting acting) throws SQLException {
        UUID id = UUID.randomUUID();
        String prevHash = previous == null ? null : RecordHash.sha256(previous.record());
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("opt_out_id", optOutId.toString());
        claims.put("account_id", accountId.toString());
        claims.put("programme_id", programmeId.toString());
        claims.put("legal_basis", basis.wire());
        claims.put("status", status);
        if (notice != null) {
            claims.put("notice", notice);
        }
        if (prevHash != null) {
            claims.put("prev_hash", prevHash);
        }
        claims.put("iat", now.getEpochSecond());
        Acting.addTo(claims, acting);
        LogAppender.Appended signed = b.signAtIndex(RecordType.OPT_OUT, claims);
        Sql.update(b.connection(), "insert into opt_out_record (id, opt_out_id, account_id, programme_id, seq, "
                + "status, prev_hash, notice_sha256, record, created_at, log_index, acted_by) "
                + "values (?,?,?,?,?,?,?,?,?,?,?,?::jsonb)", id, optOutId, accountId, programmeId,
                previous == null ? 1 : previous.seq() + 1, status, prevHash,
                notice == null ? null : (String) notice.get("shown_text_sha256"), signed.record(),
                Sql.timestamp(now), signed.logIndex(), OwnDecision.actedBy(acting));
    }

    private static OptOut load(Connection c, UUID accountId, UUID optOutId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select o.*, p.legal_basis from opt_out o "
                + "join programme p on p.id = o.programme_id where o.id = ? and o.account_id = ?")) {
            ps.setObject(1, optOutId);
            ps.setObject(2, accountId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new NotFoundException("no opt-out " + optOutId);
                }
                List<OptOutRecord> records;
                try (PreparedStatement rps = c.prepareStatement(
                        "select * from opt_out_record where opt_out_id = ? order by seq")) {
                    rps.setObject(1, optOutId);
                    records = records(rps);
                }
                return new OptOut(optOutId, accountId, Sql.uuid(rs, "programme_id"),
                        LegalBasis.fromWire(rs.getString("legal_basis")).orElseThrow(), Sql.instant(rs, "created_at"),
                        Sql.instant(rs, "withdrawn_at"), records);
            }
        }
    }

    private static List<OptOutRecord> records(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            List<OptOutRecord> result = new ArrayList<>();
            while (rs.next()) {
                result.add(new OptOutRecord(Sql.uuid(rs, "id"), Sql.uuid(rs, "opt_out_id"), rs.getInt("seq"),
                        rs.getString("status"), rs.getString("prev_hash"), rs.getString("notice_sha256"),
                        rs.getString("record"), Sql.instant(rs, "created_at"), rs.getLong("log_index")));
            }
            return result;
        }
    }
}
