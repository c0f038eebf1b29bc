package org.mydata.operator.store;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** The operator's schema, owned here and migrated by Flyway, the same SQL on embedded and external PostgreSQL. */
public final class OperatorSchema {
    private OperatorSchema() {
    }

    public static void migrate(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .failOnMissingLocations(true)
                .load()
                .migrate();
    }
}
