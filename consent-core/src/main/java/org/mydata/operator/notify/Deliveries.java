package org.mydata.operator.notify;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.mydata.operator.background.DaemonThreads;
import org.mydata.operator.background.PollingThread;
import org.mydata.operator.json.Json;
import org.mydata.operator.signing.KeyRing;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the outbox's events to permit holders' webhooks: at least once, from any node, across restarts.
 *
 * <p>Each node runs one. A round claims due deliveries by a lease in PostgreSQL (row locks with {@code SKIP
 * LOCKED}, so nodes never wait on each other), at most one per webhook at a time across all nodes, and hands
 * each to a worker of a fixed pool; the transport bounds every attempt in time. So an endpoint that is down or
 * slow holds at most one worker for at most one attempt's time, while the others serve every other endpoint.
 * A failed attempt is retried after an exponential backoff with jitter, and every other pending delivery to
 * that webhook waits at least as long (the endpoint is down, not the event); past {@code giveUpAfter} from the
 * event a delivery is given up and marked dead. A lease that a stopped node leaves behind lapses, and another
 * node (or the same one after its restart) takes the delivery up again.
 *
 * <p>The event's claims were stored with the change; each attempt signs them afresh with the key ring's active
 * key, adding {@code iat}, which equals the attempt's {@code webhook-timestamp}.
 */
public final class Deliveries implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Deliveries.class);
    private static final int MAX_ERROR = 500;

    /** Sends one signed event to one URL; must return within its own time bound and never throw. */
    @FunctionalInterface
    public interface Transport {
        Result send(URI url, String webhookId, long webhookTimestamp, String jws);
    }

    /** What an attempt came to: a 2xx status is delivered; anything else, or no status, failed. */
    public record Result(Integer httpStatus, String error) {
        boolean delivered() {
            return httpStatus != null && httpStatus >= 200 && httpStatus < 300;
        }
    }

    /**
     * @param initialBackoff the wait after a first failure; each further failure doubles it
     * @param maxBackoff     the longest wait between two attempts
     * @param giveUpAfter    from the event, after which a failed delivery is marked dead instead of retried
     * @param lease          how long a node owns a claimed delivery; longer than the transport's time bound
     * @param workers        attempts in flight on this node at once
     * @param pollInterval   how often a node looks for due deliveries
     */
    public record Settings(Duration initialBackoff, Duration maxBackoff, Duration giveUpAfter, Duration lease,
                           int workers, Duration pollInterval) {
        public Settings {
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be at least 1");
            }
            Objects.requireNonNull(initialBackoff, "initialBackoff");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
            Objects.requireNonNull(giveUpAfter, "giveUpAfter");
            Objects.requireNonNull(lease, "lease");
            Objects.requireNonNull(pollInterval, "pollInterval");
        }

        /**
         * 10 s, 20 s, 40 s, ... up to an hour between attempts, for three days: about 80 attempts, enough to ride
         * out a receiver's long weekend.
         */
        static Settings defaults() {
            return new Settings(Duration.ofSeconds(10), Duration.ofHours(1), Duration.ofDays(3), Duration.ofMinutes(1),
                    8, Duration.ofSeconds(1));
        }
    }

    private final Transactions tx;
    private final KeyRing keyRing;
    private final Clock clock;
    private final Transport transport;
    private final Settings settings;
    private final String node = UUID.randomUUID().toString();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ExecutorService workers;
    private final PollingThread rounds;
    private volatile boolean closed;

    public Deliveries(Transactions tx, KeyRing keyRing, Clock clock, Transport transport, Settings settings) {
        this.tx = Objects.requireNonNull(tx, "tx");
        this.keyRing = Objects.requireNonNull(keyRing, "keyRing");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.workers = Executors.newFixedThreadPool(settings.workers(), DaemonThreads.numbered("webhook-delivery-"));
        this.rounds = new PollingThread("webhook-deliveries", settings.pollInterval(), () -> {
            runOnce();
            return false;
        }, e -> {
            if (!closed) {
                LOG.warn("webhook delivery round failed; retrying after the poll interval: {}", e.toString());
            }
        });
    }

    void start() {
        if (closed) {
            throw new IllegalStateException("the deliveries were closed");
        }
        rounds.start();
    }

    /** Asks for a round now rather than at the next poll. */
    public void wakeUp() {
        rounds.wakeUp();
    }

    /** One round: claims what is due, as far as free workers go, and starts sending it. Returns how many. */
    int runOnce() {
        int free = settings.workers() - inFlight.get();
        if (free <= 0 || closed) {
            return 0;
        }
        List<Claimed> claimed = claim(free);
        for (Claimed delivery : claimed) {
            inFlight.incrementAndGet();
            try {
                workers.execute(() -> {
                    try {
                        attempt(delivery);
                    } catch (RuntimeException e) {
                        // The lease lapses and the delivery is tried again; nothing of the event is lost.
                        LOG.warn("a webhook delivery attempt could not be recorded; it will be retried", e);
                    } finally {
                        inFlight.decrementAndGet();
                        wakeUp();
                    }
                });
            } catch (RuntimeException rejected) {
                inFlight.decrementAndGet();
            }
        }
        return claimed.size();
    }

    private record Claimed(UUID id, UUID eventId, URI url, boolean webhookDeleted, String payload, int attempts,
                           Instant eventCreatedAt) {
    }

    /**
     * Picks one due delivery per webhook that has none in flight, then takes each under the webhook's row lock
     * (skipped when another node holds it), re-checking inside the lock, so two nodes never send to one
     * webhook at once.
     */
    private List<Claimed> claim(int max) {
        return tx.inTransaction(c -> {
            Instant now = clock.instant();
            List<UUID[]> candidates = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    select * from (
                      select distinct on (d.webhook_id) d.id, d.webhook_id, d.next_attempt_at
                        from webhook_delivery d
                       where d.state = 'pending' and d.next_attempt_at <= ?
                         and (d.lease_until is null or d.lease_until <= ?)
                       order by d.webhook_id, d.next_attempt_at, d.created_at
                    ) due order by next_attempt_at limit ?
                    """)) {
                ps.setTimestamp(1, Sql.timestamp(now));
                ps.setTimestamp(2, Sql.timestamp(now));
                ps.setInt(3, max);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        candidates.add(new UUID[] {Sql.uuid(rs, "id"), Sql.uuid(rs, "webhook_id")});
                    }
                }
            }
            List<Claimed> claimed = new ArrayList<>();
            for (UUID[] candidate : candidates) {
                try (PreparedStatement lock = c.prepareStatement(
                        "select 1 from webhook where id = ? for update skip locked")) {
                    lock.setObject(1, candidate[1]);
                    try (ResultSet rs = lock.executeQuery()) {
                        if (!rs.next()) {
                            continue;
                        }
                    }
                }
                try (PreparedStatement busy = c.prepareStatement("select 1 from webhook_delivery where webhook_id = ? "
                        + "and state = 'pending' and lease_until > ? limit 1")) {
                    busy.setObject(1, candidate[1]);
                    busy.setTimestamp(2, Sql.timestamp(now));
                    try (ResultSet rs = busy.executeQuery()) {
                        if (rs.next()) {
                            continue;
                        }
                    }
                }
                try (PreparedStatement take = c.prepareStatement("""
                        update webhook_delivery d set lease_owner = ?, lease_until = ?
                          from notification_event e, webhook w
                         where d.id = ? and d.state = 'pending' and d.next_attempt_at <= ?
                           and (d.lease_until is null or d.lease_until <= ?)
                           and e.id = d.event_id and w.id = d.webhook_id
                        returning d.id, d.event_id, d.attempts, w.url, w.deleted_at, e.payload, e.created_at
                        """)) {
                    take.setString(1, node);
                    take.setTimestamp(2, Sql.timestamp(now.plus(settings.lease())));
                    take.setObject(3, candidate[0]);
                    take.setTimestamp(4, Sql.timestamp(now));
                    take.setTimestamp(5, Sql.timestamp(now));
                    try (ResultSet rs = take.executeQuery()) {
                        if (rs.next()) {
                            claimed.add(new Claimed(Sql.uuid(rs, "id"), Sql.uuid(rs, "event_id"),
                                    URI.create(rs.getString("url")), rs.getTimestamp("deleted_at") != null,
                                    rs.getString("payload"), rs.getInt("attempts"), Sql.instant(rs, "created_at")));
                        }
                    }
                }
            }
            return claimed;
        });
    }

    private void attempt(Claimed delivery) {
        int number = delivery.attempts() + 1;
        Instant started = clock.instant();
        Result result;
        if (delivery.webhookDeleted()) {
            result = new Result(null, "the webhook was deleted");
        } else {
            long timestamp = started.getEpochSecond();
            Map<String, Object> claims = new LinkedHashMap<>(Json.read(delivery.payload()));
            claims.put("iat", timestamp);
            String jws = keyRing.sign(RecordType.WEBHOOK_EVENT, claims);
            result = transport.send(delivery.url(), delivery.eventId().toString(), timestamp, jws);
        }
        Instant ended = clock.instant();
        String error = result.error() == null ? null
                : result.error().length() > MAX_ERROR ? result.error().substring(0, MAX_ERROR) : result.error();
        boolean giveUp = !result.delivered() && (delivery.webhookDeleted()
                || !ended.isBefore(delivery.eventCreatedAt().plus(settings.giveUpAfter())));
        String outcome = result.delivered() ? "delivered" : giveUp ? "gave-up" : "failed";
        Instant next = ended.plus(backoff(number));
        tx.inTransaction(c -> {
            // Every attempt that was made is recorded, under the next free number: a lease that lapsed while this
            // attempt ran (a stalled node) may have let another attempt of the same delivery finish first.
            try (PreparedStatement ps = c.prepareStatement("insert into webhook_attempt (delivery_id, attempt, "
                    + "started_at, ended_at, http_status, outcome, error) select ?, coalesce(max(attempt), 0) + 1, "
                    + "?, ?, ?, ?, ? from webhook_attempt where delivery_id = ?")) {
                ps.setObject(1, delivery.id());
                ps.setTimestamp(2, Sql.timestamp(started));
                ps.setTimestamp(3, Sql.timestamp(ended));
                ps.setObject(4, result.httpStatus(), java.sql.Types.INTEGER);
                ps.setString(5, outcome);
                ps.setString(6, error);
                ps.setObject(7, delivery.id());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("update webhook_delivery set state = ?, attempts = ?, "
                    + "next_attempt_at = ?, lease_owner = null, lease_until = null, delivered_at = ?, last_error = ? "
                    + "where id = ? and state = 'pending' and attempts = ?")) {
                ps.setString(1, result.delivered() ? "delivered" : giveUp ? "dead" : "pending");
                ps.setInt(2, number);
                ps.setTimestamp(3, Sql.timestamp(result.delivered() || giveUp ? ended : next));
                ps.setTimestamp(4, result.delivered() ? Sql.timestamp(ended) : null);
                ps.setString(5, result.delivered() ? null : error);
                ps.setObject(6, delivery.id());
                // Only the attempt that still follows the state it was claimed in decides the next state.
                ps.setInt(7, delivery.attempts());
                ps.executeUpdate();
            }
            if (!result.delivered() && !giveUp) {
                // The endpoint is what failed: its other events wait as long, instead of each finding out alone.
                try (PreparedStatement ps = c.prepareStatement("update webhook_delivery set next_attempt_at = ? "
                        + "where webhook_id = (select webhook_id from webhook_delivery where id = ?) "
                        + "and state = 'pending' and id <> ? and next_attempt_at < ?")) {
                    ps.setTimestamp(1, Sql.timestamp(next));
                    ps.setObject(2, delivery.id());
                    ps.setObject(3, delivery.id());
                    ps.setTimestamp(4, Sql.timestamp(next));
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    /** Exponential, capped, with "equal jitter": half the wait fixed, half random, so retries spread out. */
    Duration backoff(int failures) {
        long initial = settings.initialBackoff().toMillis();
        long cap = settings.maxBackoff().toMillis();
        long wait = initial;
        for (int i = 1; i < failures && wait < cap; i++) {
            wait *= 2;
        }
        wait = Math.min(wait, cap);
        long half = wait / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
    }

    /**
     * Stops claiming, lets attempts under way end (each is bounded by the transport), and gives up this node's
     * remaining leases so that another node need not wait for them to lapse.
     */
    @Override
    public void close() {
        closed = true;
        rounds.close();
        workers.shutdown();
        try {
            workers.awaitTermination(settings.lease().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            tx.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("update webhook_delivery set lease_owner = null, "
                        + "lease_until = null where lease_owner = ? and state = 'pending'")) {
                    ps.setString(1, node);
                    ps.executeUpdate();
                }
                return null;
            });
        } catch (RuntimeException e) {
            LOG.debug("could not give up this node's webhook leases; they lapse by themselves", e);
        }
    }
}
