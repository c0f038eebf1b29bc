package org.mydata.operator.notify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.failure.Require;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.store.Sql;

/**
 * A permit holder's acknowledgement that it erased what an event asked it to: a signed record in the log,
 * made through the one signing path, at most one per event. Asking again returns the first; it is a statement
 * of fact, not something to be amended.
 */
public final class Erasures {
    /** How far in the future a {@code done_at} may lie: clocks differ, erasures do not happen ahead of time. */
    private static final Duration SKEW = Duration.ofMinutes(5);

    private final LogAppender appender;
    private final Clock clock;

    public Erasures(LogAppender appender, Clock clock) {
        this.appender = appender;
        this.clock = clock;
    }

    public record Acknowledgement(UUID id, UUID eventId, UUID permitId, String acknowledgedBy, Instant doneAt,
                                  String note, String record, long logIndex, Instant createdAt) {
    }

    /** The acknowledgement and whether this call made it (false: it existed, and is returned as it was). */
    public record Outcome(Acknowledgement acknowledgement, boolean created) {
    }

    public Outcome acknowledge(String researcher, UUID permitId, UUID eventId, Instant doneAt, String note) {
        if (doneAt == null) {
            throw new InvalidRequestException("done_at", "done_at is required: when the data was erased");
        }
        Instant done = Require.reasonableTime("done_at", doneAt).truncatedTo(ChronoUnit.MICROS);
        if (done.isAfter(Instant.now(clock).plus(SKEW))) {
            throw new InvalidRequestException("done_at", "done_at lies in the future");
        }
        String why = note == null || note.isBlank() ? null : Require.text("note", note, 2000);
        return appender.submit(c -> {
            if (Permits.find(c, permitId).filter(p -> p.researcher().equals(researcher)).isEmpty()) {
                throw new NotFoundException("no permit " + permitId);
            }
            Long eventLogIndex;
            try (PreparedStatement ps = c.prepareStatement("select erasure_requested, log_index, created_at from notification_event "
                    + "where id = ? and permit_id = ? for update")) {
                ps.setObject(1, eventId);
                ps.setObject(2, permitId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new NotFoundException("no event " + eventId + " for permit " + permitId);
                    }
                    if (!rs.getBoolean("erasure_requested")) {
                        throw new ConflictException("event " + eventId + " asked for no erasure");
                    }
                    eventLogIndex = rs.getObject("log_index", Long.class);
                    // Signed for ever: it may not claim an erasure before the event that asked for it (done_at is
                    // signed in whole seconds, so compared in them).
                    Instant asked = Sql.instant(rs, "created_at");
                    if (done.getEpochSecond() < asked.getEpochSecond()) {
                        throw new InvalidRequestException("done_at", "done_at lies before the event that asked for "
                                + "the erasure (" + asked.truncatedTo(ChronoUnit.SECONDS) + ")");
                    }
                }
            }
            Optional<Acknowledgement> existing = find(c, eventId);
            if (existing.isPresent()) {
                return b -> new Outcome(existing.get(), false);
            }
            return b -> {
                Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
                UUID id = UUID.randomUUID();
                Map<String, Object> claims = new LinkedHashMap<>();
                claims.put("ack_id", id.toString());
                claims.put("event_id", eventId.toString());
                claims.put("permit_id", permitId.toString());
                if (eventLogIndex != null) {
                    claims.put("event_log_index", eventLogIndex);
                }
                claims.put("acknowledged_by", researcher);
                claims.put("done_at", done.getEpochSecond());
                if (why != null) {
                    claims.put("note", why);
                }
                claims.put("iat", now.getEpochSecond());
                LogAppender.Appended signed = b.sign(RecordType.ERASURE_ACKNOWLEDGEMENT, claims);
                Sql.update(b.connection(), "insert into erasure_ack (event_id, id, permit_id, acknowledged_by, "
                        + "done_at, note, record, log_index, created_at) values (?,?,?,?,?,?,?,?,?)", eventId, id,
                        permitId, researcher, Sql.timestamp(done), why, signed.record(), signed.logIndex(),
                        Sql.timestamp(now));
                return new Outcome(new Acknowledgement(id, eventId, permitId, researcher, done, why, signed.record(),
                        signed.logIndex(), now), true);
            };
        });
    }

    static Optional<Acknowledgement> find(Connection c, UUID eventId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select * from erasure_ack where event_id = ?")) {
            ps.setObject(1, eventId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    static Acknowledgement map(ResultSet rs) throws SQLException {
        return new Acknowledgement(Sql.uuid(rs, "id"), Sql.uuid(rs, "event_id"), Sql.uuid(rs, "permit_id"),
                rs.getString("acknowledged_by"), Sql.instant(rs, "done_at"), rs.getString("note"),
                rs.getString("record"), rs.getLong("log_index"), Sql.instant(rs, "created_at"));
    }
}
