package org.mydata.operator.link;

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
import org.mydata.operator.account.Account;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.notify.Outbox;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * Links accounts to sources. The surrogate id always comes from the source itself, found by the
 * person's verified identifier; a person can never name one, so nobody can link to another's record.
 */
public final class ServiceLinks {
    private final Transactions tx;
    private final SourceRegistry sources;
    private final PatientLookup lookup;
    private final LogAppender appender;
    private final Clock clock;

    public ServiceLinks(Transactions tx, SourceRegistry sources, PatientLookup lookup, LogAppender appender,
                        Clock clock) {
        this.tx = tx;
        this.sources = sources;
        this.lookup = lookup;
        this.appender = appender;
        this.clock = clock;
    }

    public ServiceLink link(Account account, PersonIdentifier person, UUID sourceId) {
        FhirSource source = sources.get(sourceId);
        // The source is asked before any transaction opens: a slow source must not hold database locks.
        PatientMatch match = lookup.findByIdentifier(source, person);
        String surrogateId;
        if (match instanceof PatientMatch.Found found) {
            surrogateId = found.patientId();
        } else if (match instanceof PatientMatch.Ambiguous) {
            throw new ConflictException("source '" + source.name() + "' holds several patients with your identifier; "
                    + "it cannot be linked until the source resolves that");
        } else {
            throw new NotFoundException("source '" + source.name() + "' holds no patient with your identifier");
        }
        try {
            return linkFound(account, source, surrogateId);
        } catch (ConflictException refused) {
            // Also the loser of a race the unique index decided, which hears only of a clash: both kinds of
            // refusal on a patient another account holds are told and shown to that account alike.
            throw claimedElsewhere(account, source, surrogateId).orElseThrow(() -> refused);
        }
    }

    private ServiceLink linkFound(Account account, FhirSource source, String surrogateId) {
        UUID sourceId = source.id();
        return appender.submit(c -> {
            if (liveLinkExists(c, account.id(), sourceId)) {
                throw new ConflictException("you are already linked to source '" + source.name() + "'");
            }
            if (liveOwner(c, sourceId, surrogateId).isPresent()) {
                throw new ConflictException("another account has linked your patient at source '" + source.name() + "'");
            }
            return b -> {
                UUID id = UUID.randomUUID();
                Instant now = Instant.now(clock);
                Map<String, Object> claims = new LinkedHashMap<>();
                claims.put("slr_id", id.toString());
                claims.put("account_id", account.id().toString());
                claims.put("service_id", sourceId.toString());
                claims.put("surrogate_id", surrogateId);
                claims.put("iat", now.getEpochSecond());
                LogAppender.Appended slr = b.sign(RecordType.SERVICE_LINK, claims);
                try (PreparedStatement ps = b.connection().prepareStatement("insert into service_link (id, account_id, "
                        + "source_id, surrogate_id, record, created_at, log_index) values (?,?,?,?,?,?,?)")) {
                    ps.setObject(1, id);
                    ps.setObject(2, account.id());
                    ps.setObject(3, sourceId);
                    ps.setString(4, surrogateId);
                    ps.setString(5, slr.record());
                    ps.setTimestamp(6, Sql.timestamp(now));
                    ps.setLong(7, slr.logIndex());
                    ps.executeUpdate();
                }
                return new ServiceLink(id, account.id(), sourceId, surrogateId, slr.record(), now, null, null,
                        slr.logIndex(), null);
            };
        });
    }

    /**
     * When another account holds the live link to this patient: records the refused claim where that account
     * sees it, and returns the conflict to answer with. The row is written in a transaction of its own, since
     * the refused write's batch only reads in its check and a unique violation aborts its transaction.
     */
    private Optional<ConflictException> claimedElsewhere(Account claimant, FhirSource source,
                                                                   String surrogateId) {
        return tx.inTransaction(c -> {
            Optional<LiveLink> owner = liveOwner(c, source.id(), surrogateId);
            if (owner.isEmpty() || owner.get().accountId().equals(claimant.id())) {
                return Optional.<ConflictException>empty();
            }
            try (PreparedStatement ps = c.prepareStatement("insert into link_claim_refused (id, link_id, claimant, "
                    + "attempted_at) values (?,?,?,?)")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setObject(2, owner.get().id());
                ps.setObject(3, claimant.id());
                ps.setTimestamp(4, Sql.timestamp(Instant.now(clock)));
                ps.executeUpdate();
            }
            return Optional.of(new ConflictException("source '" + source.name() + "' holds your record "
                    + "under a patient another account has already linked; one patient can be linked by one account "
                    + "only. That account is shown this attempt"));
        });
    }

    /** Claims by other accounts on patients this account had linked, refused, oldest first. */
    public List<RefusedClaim> refusedClaims(Account account) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("select r.link_id, l.source_id, r.attempted_at "
                    + "from link_claim_refused r join service_link l on l.id = r.link_id where l.account_id = ? "
                    + "order by r.attempted_at, r.id")) {
                ps.setObject(1, account.id());
                try (ResultSet rs = ps.executeQuery()) {
                    List<RefusedClaim> result = new ArrayList<>();
                    while (rs.next()) {
                        result.add(new RefusedClaim(Sql.uuid(rs, "link_id"), Sql.uuid(rs, "source_id"),
                                Sql.instant(rs, "attempted_at")));
                    }
                    return result;
                }
            }
        });
    }

    /** Ends a link with a signed removal record. Consents that relied only on it release nothing from then on. */
    public ServiceLink remove(Account account, UUID linkId) {
        return appender.submit(c -> {
            ServiceLink link = lockOwned(c, account, linkId);
            if (!link.isLive()) {
                throw new ConflictException("link " + linkId + " was already removed");
            }
            return b -> {
                Instant now = Instant.now(clock);
                Map<String, Object> claims = new LinkedHashMap<>();
                claims.put("slr_id", link.id().toString());
                claims.put("account_id", account.id().toString());
                claims.put("removed", true);
                claims.put("iat", now.getEpochSecond());
                LogAppender.Appended removal = b.sign(RecordType.SERVICE_LINK_REMOVAL, claims);
                try (PreparedStatement ps = b.connection().prepareStatement("update service_link set removed_at = ?, "
                        + "removal_record = ?, removal_log_index = ? where id = ?")) {
                    ps.setTimestamp(1, Sql.timestamp(now));
                    ps.setString(2, removal.record());
                    ps.setLong(3, removal.logIndex());
                    ps.setObject(4, linkId);
                    ps.executeUpdate();
                }
                Outbox.linkRemoved(b.connection(), linkId, removal.logIndex(), now);
                return new ServiceLink(link.id(), link.accountId(), link.sourceId(), link.surrogateId(), link.record(),
                        link.createdAt(), now, removal.record(), link.logIndex(), removal.logIndex());
            };
        });
    }

    /** Every link of the account, live and removed, oldest first. */
    public List<ServiceLink> list(Account account) {
        return tx.read(c -> ofAccount(c, account.id()));
    }

    public ServiceLink get(Account account, UUID linkId) {
        return tx.read(c -> ofAccount(c, account.id()).stream().filter(l -> l.id().equals(linkId)).findFirst()
                .orElseThrow(() -> new NotFoundException("no link " + linkId)));
    }

    public static List<ServiceLink> ofAccount(Connection c, UUID accountId) throws SQLException {
        return Sql.list(c, "select * from service_link where account_id = ? order by created_at, id",
                ServiceLinks::map, accountId);
    }

    private static ServiceLink lockOwned(Connection c, Account account, UUID linkId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select * from service_link where id = ? and account_id = ? for update")) {
            ps.setObject(1, linkId);
            ps.setObject(2, account.id());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new NotFoundException("no link " + linkId);
                }
                return map(rs);
            }
        }
    }

    /** The live link to the patient and its account, whoever holds it. */
    private record LiveLink(UUID id, UUID accountId) {
    }

    private static Optional<LiveLink> liveOwner(Connection c, UUID sourceId, String surrogateId)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select id, account_id from service_link "
                + "where source_id = ? and surrogate_id = ? and removed_at is null")) {
            ps.setObject(1, sourceId);
            ps.setString(2, surrogateId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new LiveLink(Sql.uuid(rs, "id"), Sql.uuid(rs, "account_id")))
                        : Optional.empty();
            }
        }
    }

    private static boolean liveLinkExists(Connection c, UUID accountId, UUID sourceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select 1 from service_link where account_id = ? and source_id = ? and removed_at is null")) {
            ps.setObject(1, accountId);
            ps.setObject(2, sourceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static ServiceLink map(ResultSet rs) throws SQLException {
        return new ServiceLink(Sql.uuid(rs, "id"), Sql.uuid(rs, "account_id"), Sql.uuid(rs, "source_id"),
                rs.getString("surrogate_id"), rs.getString("record"), Sql.instant(rs, "created_at"),
                Sql.instant(rs, "removed_at"), rs.getString("removal_record"), rs.getObject("log_index", Long.class),
                rs.getObject("removal_log_index", Long.class));
    }
}
