package org.mydata.operator.api;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mydata.operator.api.config.EmbeddedPostgresServer;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two operator nodes on one PostgreSQL, as scale-out runs them: node 1 with the embedded demo (source, citizens,
 * authorization server), node 2 on the same database and keystore without the demo source. Close node 2, node 1,
 * then the database (try-with-resources in that order).
 */
final class TwoNodes {
    private TwoNodes() {
    }

    /** A durable PostgreSQL server of its own under {@code dir}. */
    static EmbeddedPostgres postgres(Path dir) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("postgres"))
                .setCleanDataDirectory(false).setPort(freePort());
        EmbeddedPostgresServer.DURABLE.forEach(builder::setServerConfig);
        return builder.start();
    }

    static ConfigurableApplicationContext node1(Path dir, EmbeddedPostgres pg) {
        return new SpringApplicationBuilder(OperatorApplication.class).run("--server.port=0",
                "--operator.data-dir=" + dir.resolve("node1"), jdbc(pg), "--spring.datasource.username=postgres");
    }

    /** Another node on node 1's database and keystore, without the demo source. */
    static ConfigurableApplicationContext node2(Path dir, EmbeddedPostgres pg) throws IOException {
        Path keys = dir.resolve("node1").resolve("keys");
        return new SpringApplicationBuilder(OperatorApplication.class).run(
                "--server.port=0", "--operator.data-dir=" + dir.resolve("node2"), jdbc(pg),
                "--spring.datasource.username=postgres",
                "--operator.signing.keystore=" + keys.resolve("operator-signing.p12"),
                "--operator.signing.password=" + Files.readString(keys.resolve("keystore.password")).strip(),
                "--operator.embedded.demo=false", "--operator.sources.allowed-hosts=localhost,127.0.0.1");
    }

    static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    private static String jdbc(EmbeddedPostgres pg) {
        return "--spring.datasource.url=jdbc:postgresql://localhost:" + pg.getPort() + "/postgres";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
