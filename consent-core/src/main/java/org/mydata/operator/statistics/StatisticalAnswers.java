package org.mydata.operator.statistics;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongFunction;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.failure.LimitReachedException;
import org.mydata.operator.json.Json;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * The accounting of statistical answers (docs/statistics.md, "Accounting and the log"): each answer is an access
 * event of the persons it counted, followed in the same batch by the answer's signed record ({@code
 * statistics+jwt}), whose payload holds the whole answer as its researcher receives it; and a permit gets no more
 * answers in any 24 hours than its programme allows.
 */
public final class StatisticalAnswers {
    /** The rule a refusal names when a permit's answers for the day are used up. */
    public static final String PER_DAY_RULE = "statistics-answers-per-day";
    /** The period the limit counts over: the 24 hours before each answer (a sliding day, the same on every node). */
    public static final Duration DAY = Duration.ofDays(1);

    private final Transactions tx;
    private final AccessLog accessLog;

    public StatisticalAnswers(Transactions tx, AccessLog accessLog) {
        this.tx = tx;
        this.accessLog = accessLog;
    }

    /**
     * Refuses at once when the permit's answers for the last 24 hours are used up, before any work is done for
     * the answer; {@link #record} counts again where it counts for good.
     *
     * @throws LimitReachedException with how long until the oldest answer of the window leaves it
     */
    public void checkLimit(UUID permitId, int answersPerDay, Instant at) {
        tx.read(c -> {
            refuseOverLimit(c, permitId, answersPerDay, at);
            return null;
        });
    }

    private static void refuseOverLimit(Connection c, UUID permitId, int answersPerDay, Instant at)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select count(*), min(answered_at) from statistics_answer "
                + "where permit_id = ? and answered_at > ?")) {
            ps.setObject(1, permitId);
            ps.setTimestamp(2, Sql.timestamp(at.minus(DAY)));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getLong(1) >= answersPerDay) {
                    Instant oldest = Sql.instant(rs, "min");
                    Duration wait = oldest == null ? DAY : Duration.between(at, oldest.plus(DAY));
                    throw new LimitReachedException(PER_DAY_RULE, "this permit has had its " + answersPerDay
                            + " statistical answers of the last 24 hours; ask again later", wait);
                }
            }
        }
    }

    /** An answer as logged: its record, and the log index of its access event's (last) entry (the answer's checkpoint). */
    public record Signed(Map<String, Object> answer, String record, long eventLogIndex) {
    }

    /**
     * Logs the answer's access event and signs the answer right after it; commits both or neither.
     *
     * <p>The limit is counted inside the log appender's batch, which holds the log's head: answers are counted in
     * log order across all nodes, so two nodes cannot both give the last answer of the day.
     *
     * @param answerAt the answer (without its record) once the log index of its event is known, which its
     *                 {@code basedOn.checkpoint} names
     * @throws LimitReachedException when the permit had {@code answersPerDay} answers in the last 24 hours
     * @throws org.mydata.operator.access.ConsentsEndedException when a consent relied on ended meanwhile; nothing
     *                 is written, and the caller answers again without those persons
     */
    public Signed record(AccessEvent event, String requestHash, int answersPerDay,
                         LongFunction<Map<String, Object>> answerAt) {
        Instant at = event.at();
        UUID answerId = UUID.randomUUID();
        return accessLog.record(event, c -> refuseOverLimit(c, event.permitId(), answersPerDay, at), (LogAppender.Batch b, long eventLogIndex) -> {
            Map<String, Object> answer = answerAt.apply(eventLogIndex);
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("answer_id", answerId.toString());
            claims.put("permit_id", event.permitId().toString());
            claims.put("event_id", event.id().toString());
            claims.put("event_log_index", eventLogIndex);
            claims.put("request_hash", requestHash);
            claims.put("answer", answer);
            claims.put("iat", at.getEpochSecond());
            LogAppender.Appended signed = b.sign(RecordType.STATISTICS_ANSWER, claims);
            try (PreparedStatement ps = b.connection().prepareStatement("insert into statistics_answer (id, permit_id, "
                    + "event_id, request_hash, answer_hash, log_index, answered_at) values (?,?,?,?,?,?,?)")) {
                ps.setObject(1, answerId);
                ps.setObject(2, event.permitId());
                ps.setObject(3, event.id());
                ps.setString(4, requestHash);
                ps.setString(5, payloadHash(signed.record()));
                ps.setLong(6, signed.logIndex());
                ps.setTimestamp(7, Sql.timestamp(at));
                ps.executeUpdate();
            }
            // The answer as the record signs it, so the researcher receives exactly the signed values.
            @SuppressWarnings("unchecked")
            Map<String, Object> asSigned = (Map<String, Object>) Json.read(new String(java.util.Base64.getUrlDecoder()
                    .decode(payloadOf(signed.record())), java.nio.charset.StandardCharsets.UTF_8)).get("answer");
            return new Signed(asSigned, signed.record(), eventLogIndex);
        });
    }

    /** SHA-256 of the record's payload as signed, base64url: the answer as the log holds it. */
    private static String payloadOf(String jws) {
        return jws.substring(jws.indexOf('.') + 1, jws.lastIndexOf('.'));
    }

    private static String payloadHash(String jws) {
        String payload = payloadOf(jws);
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(payload.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
