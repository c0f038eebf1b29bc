package org.mydata.operator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Idempotency keys and the responses they stand for, per caller. A key is written by the transaction
 * that makes the change it guards ({@link IdempotencyScope}); the response is added once it is known.
 * Keys expire; an expired key is as good as absent and may be used again.
 */
public final class IdempotencyKeys {
    /**
     * One request's claim on a key.
     *
     * @param fingerprint what makes two requests the same request: a hash of method, path and body
     */
    public record Claim(String caller, String key, String fingerprint, String method, String path, Instant at,
                        Instant expiresAt) {
        public Claim {
            Objects.requireNonNull(caller, "caller");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(fingerprint, "fingerprint");
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(expiresAt, "expiresAt");
        }
    }

    /** The response a key's request got, as it is to be replayed. */
    public record StoredResponse(int status, String contentType, String location, byte[] body) {
    }

    /**
     * A live key.
     *
     * @param response empty when the change was committed but its response was never stored
     */
    public record Entry(String fingerprint, String method, String path, Instant createdAt,
                        Optional<StoredResponse> response) {
    }

    private final Transactions tx;

    public IdempotencyKeys(Transactions tx) {
        this.tx = tx;
    }

    public Optional<Entry> find(String caller, String key, Instant now) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("select fingerprint, method, path, created_at, "
                    + "response_status, response_content_type, response_location, response_body from idempotency_key "
                    + "where caller = ? and idem_key = ? and expires_at > ?")) {
                ps.setString(1, caller);
                ps.setString(2, key);
                ps.setTimestamp(3, Sql.timestamp(now));
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    int status = rs.getInt("response_status");
                    Optional<StoredResponse> response = rs.wasNull() ? Optional.empty()
                            : Optional.of(new StoredResponse(status, rs.getString("response_content_type"),
                                    rs.getString("response_location"), rs.getBytes("response_body")));
                    return Optional.of(new Entry(rs.getString("fingerprint"), rs.getString("method"),
                            rs.getString("path"), Sql.instant(rs, "created_at"), response));
                }
            }
        });
    }

    /** Adds the response to the key its change recorded. */
    public void storeResponse(String caller, String key, StoredResponse response) {
        IdempotencyScope.outside(() -> tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("update idempotency_key set response_status = ?, "
                    + "response_content_type = ?, response_location = ?, response_body = ? "
                    + "where caller = ? and idem_key = ?")) {
                ps.setInt(1, response.status());
                ps.setString(2, response.contentType());
                ps.setString(3, response.location());
                ps.setBytes(4, response.body());
                ps.setString(5, caller);
                ps.setString(6, key);
                return ps.executeUpdate();
            }
        }));
    }

    /** Deletes expired keys; returns how many. */
    public int purgeExpired(Instant now) {
        return IdempotencyScope.outside(() -> tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("delete from idempotency_key where expires_at <= ?")) {
                ps.setTimestamp(1, Sql.timestamp(now));
                return ps.executeUpdate();
            }
        }));
    }

    /**
     * Records the claim in the caller's transaction. An expired key of the same name is replaced. When a
     * live one exists, or another transaction holding it commits meanwhile (the insert waits for it),
     * nothing is written and the answer is false.
     */
    static boolean insert(Connection c, Claim claim) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into idempotency_key (caller, idem_key, fingerprint, "
                + "method, path, created_at, expires_at) values (?,?,?,?,?,?,?) "
                + "on conflict (caller, idem_key) do update set fingerprint = excluded.fingerprint, "
                + "method = excluded.method, path = excluded.path, created_at = excluded.created_at, "
                + "expires_at = excluded.expires_at, response_status = null, response_content_type = null, "
                + "response_location = null, response_body = null "
                + "where idempotency_key.expires_at <= excluded.created_at")) {
            ps.setString(1, claim.caller());
            ps.setString(2, claim.key());
            ps.setString(3, claim.fingerprint());
            ps.setString(4, claim.method());
            ps.setString(5, claim.path());
            ps.setTimestamp(6, Sql.timestamp(claim.at()));
            ps.setTimestamp(7, Sql.timestamp(claim.expiresAt()));
            return ps.executeUpdate() == 1;
        }
    }
}
