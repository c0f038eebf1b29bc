package org.mydata.operator.notify;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.failure.Require;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.source.SourceHosts;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * A permit holder's webhooks, and what became of each delivery to them. Only the researcher who holds the
 * permit registers, lists and deletes; the holder and the programme's stewards read the deliveries. A permit
 * that is not the caller's is not found, never forbidden.
 */
public final class Webhooks {
    /** Enough for a primary and a standby receiver and some more; each one multiplies every event's sending. */
    public static final int MAX_PER_PERMIT = 5;

    private final Transactions tx;
    private final SourceHosts hosts;
    private final boolean allowPlainHttp;
    private final Clock clock;

    /**
     * @param hosts          where webhooks may point: {@link SourceHosts#publicOnly}, a holder's URL being called
     *                       from inside the operator's network
     * @param allowPlainHttp accept {@code http} URLs (tests and demos); events carry pseudonyms, so production
     *                       sends them over TLS only
     */
    public Webhooks(Transactions tx, SourceHosts hosts, boolean allowPlainHttp, Clock clock) {
        this.tx = tx;
        this.hosts = hosts;
        this.allowPlainHttp = allowPlainHttp;
        this.clock = clock;
    }

    public record Webhook(UUID id, UUID permitId, URI url, Instant createdAt) {
    }

    /** One attempt to deliver, and what came of it. */
    record Attempt(int number, Instant startedAt, Instant endedAt, Integer httpStatus, String outcome,
                          String error) {
    }

    /** One event's delivery to one webhook. */
    public record Delivery(UUID id, UUID eventId, String eventType, Instant occurredAt, UUID webhookId, URI url,
                           String state, int attempts, Instant nextAttemptAt, Instant deliveredAt, String lastError,
                           List<Attempt> history) {
    }

    public Webhook register(String researcher, UUID permitId, String url) {
        URI uri = checkUrl(url);
        return tx.inTransaction(c -> {
            Permit permit = owned(c, researcher, permitId);
            try (PreparedStatement lock = c.prepareStatement("select 1 from permit where id = ? for update")) {
                lock.setObject(1, permit.id());
                lock.executeQuery().close();
            }
            List<Webhook> existing = live(c, permitId);
            if (existing.stream().anyMatch(w -> w.url().equals(uri))) {
                throw new ConflictException("this permit already has a webhook at " + uri);
            }
            if (existing.size() >= MAX_PER_PERMIT) {
                throw new ConflictException("a permit has at most " + MAX_PER_PERMIT + " webhooks; delete one first");
            }
            Webhook webhook = new Webhook(UUID.randomUUID(), permitId, uri, Instant.now(clock));
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into webhook (id, permit_id, url, created_by, created_at) values (?,?,?,?,?)")) {
                ps.setObject(1, webhook.id());
                ps.setObject(2, permitId);
                ps.setString(3, uri.toString());
                ps.setString(4, researcher);
                ps.setTimestamp(5, Sql.timestamp(webhook.createdAt()));
                ps.executeUpdate();
            }
            return webhook;
        });
    }

    public List<Webhook> list(String researcher, UUID permitId) {
        return tx.read(c -> {
            owned(c, researcher, permitId);
            return live(c, permitId);
        });
    }

    /** Deleting stops its pending deliveries at their next turn; what was delivered stays on record. */
    public void delete(String researcher, UUID permitId, UUID webhookId) {
        tx.inTransaction(c -> {
            owned(c, researcher, permitId);
            try (PreparedStatement ps = c.prepareStatement("update webhook set deleted_at = ? where id = ? "
                    + "and permit_id = ? and deleted_at is null")) {
                ps.setTimestamp(1, Sql.timestamp(Instant.now(clock)));
                ps.setObject(2, webhookId);
                ps.setObject(3, permitId);
                if (ps.executeUpdate() == 0) {
                    throw new NotFoundException("no webhook " + webhookId);
                }
            }
            return null;
        });
    }

    /**
     * Every delivery of the permit's events with every attempt, newest event first: for the researcher who holds
     * the permit and for the stewards of its programme.
     */
    public List<Delivery> deliveries(String caller, UUID permitId) {
        return tx.read(c -> {
            Permit permit = Permits.find(c, permitId).orElseThrow(() -> new NotFoundException("no permit " + permitId));
            boolean steward = ProgrammeRegistry.find(c, permit.programmeId())
                    .map(p -> p.stewards().contains(caller)).orElse(false);
            if (!permit.researcher().equals(caller) && !steward) {
                throw new NotFoundException("no permit " + permitId);
            }
            List<Delivery> deliveries = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    select d.*, e.type, e.occurred_at, w.url from webhook_delivery d
                      join notification_event e on e.id = d.event_id
                      join webhook w on w.id = d.webhook_id
                     where e.permit_id = ?
                     order by e.created_at desc, e.id, w.created_at, w.id
                    """)) {
                ps.setObject(1, permitId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        deliveries.add(new Delivery(Sql.uuid(rs, "id"), Sql.uuid(rs, "event_id"), rs.getString("type"),
                                Sql.instant(rs, "occurred_at"), Sql.uuid(rs, "webhook_id"),
                                URI.create(rs.getString("url")), rs.getString("state"), rs.getInt("attempts"),
                                rs.getString("state").equals("pending") ? Sql.instant(rs, "next_attempt_at") : null,
                                Sql.instant(rs, "delivered_at"), rs.getString("last_error"), List.of()));
                    }
                }
            }
            List<Delivery> withHistory = new ArrayList<>(deliveries.size());
            for (Delivery d : deliveries) {
                withHistory.add(new Delivery(d.id(), d.eventId(), d.eventType(), d.occurredAt(), d.webhookId(), d.url(),
                        d.state(), d.attempts(), d.nextAttemptAt(), d.deliveredAt(), d.lastError(), attempts(c, d.id())));
            }
            return withHistory;
        });
    }

    private static List<Attempt> attempts(Connection c, UUID deliveryId) throws SQLException {
        return Sql.list(c, "select * from webhook_attempt where delivery_id = ? order by attempt",
                rs -> new Attempt(rs.getInt("attempt"), Sql.instant(rs, "started_at"), Sql.instant(rs, "ended_at"),
                        rs.getObject("http_status", Integer.class), rs.getString("outcome"), rs.getString("error")),
                deliveryId);
    }

    private URI checkUrl(String url) {
        URI uri = Require.absoluteUri("url", url, true);
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !allowPlainHttp) {
            throw new InvalidRequestException("url", "url must be https: events name persons by pseudonym");
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidRequestException("url", "url must not carry credentials; events are signed, so a "
                    + "receiver needs none to trust them");
        }
        if (uri.getRawFragment() != null) {
            throw new InvalidRequestException("url", "url must not have a fragment");
        }
        hosts.check("url", uri);
        return uri;
    }

    private static Permit owned(Connection c, String researcher, UUID permitId) throws SQLException {
        return Permits.find(c, permitId).filter(p -> p.researcher().equals(researcher))
                .orElseThrow(() -> new NotFoundException("no permit " + permitId));
    }

    private static List<Webhook> live(Connection c, UUID permitId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select * from webhook where permit_id = ? "
                + "and deleted_at is null order by created_at, id")) {
            ps.setObject(1, permitId);
            try (ResultSet rs = ps.executeQuery()) {
                List<Webhook> webhooks = new ArrayList<>();
                while (rs.next()) {
                    webhooks.add(new Webhook(Sql.uuid(rs, "id"), permitId, URI.create(rs.getString("url")),
                            Sql.instant(rs, "created_at")));
                }
                return webhooks;
            }
        }
    }
}
