package org.mydata.operator.api.config;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.time.Duration;
import javax.sql.DataSource;
import org.mydata.operator.store.OperatorSchema;
import org.mydata.operator.store.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * PostgreSQL, external or embedded. With {@code spring.datasource.url} set the operator uses that
 * server and starts none; without it, it starts a real PostgreSQL whose data lives under the data dir.
 * Either way the server must keep what it acknowledges (docs/operating.md, Durability), and the schema is
 * migrated before anything reads it.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DataSourceProperties.class)
public class DatabaseConfig {
    private static final Logger log = LoggerFactory.getLogger(DatabaseConfig.class);

    /** The embedded server, when one runs; closing it stops PostgreSQL. */
    public record EmbeddedDatabase(EmbeddedPostgresServer server) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            if (server != null) {
                server.close();
            }
        }
    }

    @Bean(destroyMethod = "close")
    EmbeddedDatabase embeddedDatabase(DataSourceProperties properties, OperatorProperties operator) throws IOException {
        if (external(properties)) {
            return new EmbeddedDatabase(null);
        }
        Duration watch = operator.database().watchdogInterval();
        EmbeddedPostgresServer server = EmbeddedPostgresServer.start(operator.dataDir().resolve("postgres"),
                watch.isZero() ? null : watch);
        log.info("Embedded PostgreSQL started on port {} with data in {}", server.port(), server.dataDir());
        return new EmbeddedDatabase(server);
    }

    @Bean(destroyMethod = "close")
    HikariDataSource dataSource(DataSourceProperties properties, EmbeddedDatabase embedded, OperatorProperties operator) {
        HikariDataSource dataSource = new HikariDataSource();
        if (embedded.server() != null) {
            dataSource.setJdbcUrl(embedded.server().jdbcUrl());
            dataSource.setUsername("postgres");
            dataSource.setPassword(embedded.server().password());
        } else {
            dataSource.setJdbcUrl(properties.getUrl());
            dataSource.setUsername(properties.getUsername());
            dataSource.setPassword(properties.getPassword());
        }
        dataSource.setPoolName("operator");
        dataSource.setMaximumPoolSize(16);
        failFastAndHeal(dataSource, operator.pool());
        try {
            // The embedded server is configured durable by this class, so the override never applies to it.
            DatabaseDurability.require(dataSource, embedded.server() != null ? "the embedded PostgreSQL"
                    : "the configured PostgreSQL (spring.datasource.url)",
                    embedded.server() == null && operator.database().allowUnsafeDurability());
            OperatorSchema.migrate(dataSource);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return dataSource;
    }

    /**
     * While PostgreSQL is away a request gets no connection within the connection timeout and is answered
     * 503 (docs/operating.md); HikariCP drops connections that failed with a connection error, checks idle
     * ones before handing them out, and keeps making new ones, so the pool heals by itself once the server
     * is back. The driver's own timeouts bound a connect to a host that does not answer and a read from a
     * server that vanished without closing its sockets.
     */
    static void failFastAndHeal(HikariDataSource dataSource, OperatorProperties.Pool pool) {
        dataSource.setConnectionTimeout(pool.connectionTimeout().toMillis());
        dataSource.setValidationTimeout(pool.validationTimeout().toMillis());
        dataSource.setKeepaliveTime(Duration.ofSeconds(30).toMillis());
        long connectSeconds = Math.max(1, pool.connectionTimeout().toSeconds());
        dataSource.addDataSourceProperty("connectTimeout", String.valueOf(connectSeconds));
        dataSource.addDataSourceProperty("loginTimeout", String.valueOf(connectSeconds));
        dataSource.addDataSourceProperty("socketTimeout", String.valueOf(Math.max(1, pool.socketTimeout().toSeconds())));
        dataSource.addDataSourceProperty("tcpKeepAlive", "true");
    }

    @Bean
    Transactions transactions(DataSource dataSource) {
        return new Transactions(dataSource);
    }

    private static boolean external(DataSourceProperties properties) {
        return properties.getUrl() != null && !properties.getUrl().isBlank();
    }
}
