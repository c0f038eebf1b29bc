package org.mydata.operator.signing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * The key ids that signed the records and checkpoints a database holds, as the {@code signing_kid} table
 * keeps them (migration V5). A key ring opened over that database must hold every one of them.
 */
public final class KeysInUse {
    private KeysInUse() {
    }

    /** Sorted, so a refusal names them in a stable order. */
    public static Set<String> read(DataSource dataSource) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select kid from signing_kid")) {
            Set<String> kids = new TreeSet<>();
            while (rs.next()) {
                kids.add(rs.getString(1));
            }
            return kids;
        } catch (SQLException e) {
            throw new IllegalStateException("the key ids of the stored records could not be read: " + e.getMessage(), e);
        }
    }
}
