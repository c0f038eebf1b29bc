package org.mydata.operator.account;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/** Accounts, created on a person's first authenticated call. */
public final class Accounts {
    private final Transactions tx;
    private final Clock clock;

    public Accounts(Transactions tx, Clock clock) {
        this.tx = tx;
        this.clock = clock;
    }

    /** The account of the token subject, made on first use; concurrent first calls get the same account. */
    public Account forSubject(String subject) {
        return tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into account (id, subject, created_at) values (?,?,?) on conflict (subject) do nothing")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setString(2, subject);
                ps.setTimestamp(3, Sql.timestamp(Instant.now(clock)));
                ps.executeUpdate();
            }
            return bySubject(c, subject);
        });
    }

    private static Account bySubject(Connection c, String subject) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select id, subject, created_at from account where subject = ?")) {
            ps.setString(1, subject);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Account(Sql.uuid(rs, "id"), rs.getString("subject"), Sql.instant(rs, "created_at"));
            }
        }
    }
}
