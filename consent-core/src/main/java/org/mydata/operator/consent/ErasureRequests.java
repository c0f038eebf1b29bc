package org.mydata.operator.consent;

import org.mydata.operator.verify.consent.ConsentStatus;

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
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * A person's requests to erase data already released under a consent they withdrew (GDPR Art. 17): signed and
 * logged through the node's {@link LogAppender} like every record, one per consent. The operator cannot erase
 * what a project already holds; it records the request, gives the person a receipt, and tells the permit holders
 * through {@link ErasureRequested}.
 */
public final class ErasureRequests {
    private final Transactions tx;
    private final LogAppender appender;
    private final Clock clock;
    private final ErasureRequested requested;

    public ErasureRequests(Transactions tx, LogAppender appender, Clock clock, ErasureRequested requested) {
        this.tx = tx;
        this.appender = appender;
        this.clock = clock;
        this.requested = Objects.requireNonNull(requested, "requested");
    }

    /**
     * Records the request for the person's own withdrawn consent; asking again answers with the first request
     * (a double submit makes one record).
     *
     * @throws NotFoundException when the consent is not the person's
     * @throws ConflictException when the consent is not withdrawn: pausing or withdrawing comes first
     */
    public ErasureRequest request(Account account, UUID consentId) {
        return appender.submit(c -> {
            LockedConsent consent = LockedConsent.lock(c, account.id(), consentId);
            UUID programmeId = consent.programmeId();
            Optional<ErasureRequest> earlier = find(c, consentId);
            if (earlier.isPresent()) {
                return b -> earlier.get();
            }
            if (consent.status() != ConsentStatus.WITHDRAWN) {
                throw new ConflictException("consent " + consentId + " is not withdrawn; withdraw it before asking "
                        + "for erasure");
            }
            List<UUID> permitIds = recipients(c, account.id(), consentId);
            return b -> {
                UUID id = UUID.randomUUID();
                Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
                Map<String, Object> claims = new LinkedHashMap<>();
                claims.put("er_id", id.toString());
                claims.put("cr_id", consentId.toString());
                claims.put("account_id", account.id().toString());
                claims.put("programme_id", programmeId.toString());
                claims.put("permit_ids", permitIds.stream().map(UUID::toString).toList());
                claims.put("iat", now.getEpochSecond());
                LogAppender.Appended signed = b.sign(RecordType.ERASURE_REQUEST, claims);
                Connection w = b.connection();
                try (PreparedStatement ps = w.prepareStatement("insert into erasure_request (id, consent_id, "
                        + "account_id, programme_id, permit_ids, record, log_index, created_at) values (?,?,?,?,?,?,?,?)")) {
                    ps.setObject(1, id);
                    ps.setObject(2, consentId);
                    ps.setObject(3, account.id());
                    ps.setObject(4, programmeId);
                    ps.setArray(5, w.createArrayOf("uuid", permitIds.toArray()));
                    ps.setString(6, signed.record());
                    ps.setLong(7, signed.logIndex());
                    ps.setTimestamp(8, Sql.timestamp(now));
                    ps.executeUpdate();
                }
                ErasureRequest request = new ErasureRequest(id, consentId, account.id(), programmeId, permitIds,
                        signed.record(), signed.logIndex(), now);
                requested.requested(w, request);
                return request;
            };
        });
    }

    /** The person's request for their consent, if they made one. */
    public Optional<ErasureRequest> of(Account account, UUID consentId) {
        return tx.read(c -> find(c, consentId)).filter(r -> r.accountId().equals(account.id()));
    }

    /** Every request the person made, oldest first. */
    public List<ErasureRequest> list(Account account) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select * from erasure_request where account_id = ? order by created_at, id")) {
                ps.setObject(1, account.id());
                try (ResultSet rs = ps.executeQuery()) {
                    List<ErasureRequest> result = new ArrayList<>();
                    while (rs.next()) {
                        result.add(map(rs));
                    }
                    return result;
                }
            }
        });
    }

    private static Optional<ErasureRequest> find(Connection c, UUID consentId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select * from erasure_request where consent_id = ?")) {
            ps.setObject(1, consentId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** The permits that received the person's data under the consent, in the order they first did. */
    private static List<UUID> recipients(Connection c, UUID accountId, UUID consentId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select e.permit_id from access_event_person ep "
                + "join access_event e on e.id = ep.event_id where ep.account_id = ? and ep.consent_id = ? "
                + "group by e.permit_id order by min(e.created_at), e.permit_id")) {
            ps.setObject(1, accountId);
            ps.setObject(2, consentId);
            try (ResultSet rs = ps.executeQuery()) {
                List<UUID> ids = new ArrayList<>();
                while (rs.next()) {
                    ids.add(Sql.uuid(rs, "permit_id"));
                }
                return ids;
            }
        }
    }

    private static ErasureRequest map(ResultSet rs) throws SQLException {
        List<UUID> permits = new ArrayList<>();
        for (Object id : (Object[]) rs.getArray("permit_ids").getArray()) {
            permits.add((UUID) id);
        }
        return new ErasureRequest(Sql.uuid(rs, "id"), Sql.uuid(rs, "consent_id"), Sql.uuid(rs, "account_id"),
                Sql.uuid(rs, "programme_id"), permits, rs.getString("record"), rs.getLong("log_index"),
                Sql.instant(rs, "created_at"));
    }
}
