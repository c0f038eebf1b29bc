package org.mydata.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

class EmbeddedPostgresSmokeTest {
    @Test
    void startsAndMigrates() throws Exception {
        DataSource ds = TestPostgres.freshDatabase();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from consent_status")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }
}
