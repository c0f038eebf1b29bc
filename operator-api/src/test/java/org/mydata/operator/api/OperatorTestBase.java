package org.mydata.operator.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole operator on a random port with the embedded default: real PostgreSQL, the real authorization
 * server, the demo source over real HTTP. Test classes extending this share one running operator.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class OperatorTestBase {
    private static final Path DATA_DIR;

    static {
        try {
            DATA_DIR = Files.createTempDirectory("operator-it");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry registry) {
        registry.add("operator.data-dir", DATA_DIR::toString);
        // Fault tests wait for a source's timeout and the gateway's deadline; short ones keep them quick.
        registry.add("operator.gateway.read-timeout", () -> "3s");
        registry.add("operator.gateway.deadline", () -> "8s");
        // Small bulkheads, so that a fault test fills a slow source's with a few requests (room enough for the
        // background exports other tests leave running), and caps that the demo source's pages stay well within.
        registry.add("operator.gateway.source-concurrency", () -> "2");
        registry.add("operator.gateway.source-queue", () -> "4");
        registry.add("operator.gateway.max-response-size", () -> "4MB");
        registry.add("operator.gateway.max-pages-per-call", () -> "50");
        // The gateway tests' cohorts are one to three persons, fewer than any k: their release plans keep values
        // as they are (the dates, death and category rules still hold); RecordsPseudonymisationTest checks k.
        registry.add("operator.gateway.small-cohort-k", () -> "1");
    }

    @LocalServerPort
    protected int port;

    protected OperatorHttp http;

    @BeforeEach
    void client() {
        http = new OperatorHttp(port);
        ResearchFixtures.issuer = http.base();
    }

    protected String admin() {
        return http.clientToken("admin-demo", "admin-demo-secret", "admin");
    }

    protected String alice() {
        return http.citizenToken("alice", "alice-demo-password");
    }

    protected String bob() {
        return http.citizenToken("bob", "bob-demo-password");
    }
}
