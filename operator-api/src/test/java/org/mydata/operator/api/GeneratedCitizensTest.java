package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.security.DemoIdentities;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The benchmark's generated citizens ({@code operator.embedded.generated-citizens}): with the setting, N more
 * people sign in through the embedded authorization server's login and authorization code journey and get real
 * tokens, with random passwords kept owner-only in the data directory and printed nowhere; each is an account of
 * its own that links and consents as anyone does. Without it (the default) there are none: see
 * {@link GeneratedCitizensOffTest}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GeneratedCitizensTest {
    private static Path dataDir;

    @DynamicPropertySource
    static void generated(DynamicPropertyRegistry registry) throws IOException {
        dataDir = Files.createTempDirectory("operator-generated-citizens");
        registry.add("operator.data-dir", dataDir::toString);
        registry.add("operator.embedded.generated-citizens", () -> "3");
        registry.add("operator.gateway.small-cohort-k", () -> "1");
    }

    @LocalServerPort
    int port;

    private Properties passwords() throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(dataDir.resolve("keys").resolve("generated-citizens.properties"))) {
            p.load(in);
        }
        return p;
    }

    @Test
    void generatedCitizensSignInWithRealTokensAndAreAccountsOfTheirOwn() throws IOException {
        OperatorHttp http = new OperatorHttp(port);
        Path file = dataDir.resolve("keys").resolve("generated-citizens.properties");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        Properties passwords = passwords();
        assertThat(passwords.stringPropertyNames())
                .containsExactlyInAnyOrder("bench-citizen-00000", "bench-citizen-00001", "bench-citizen-00002");
        assertThat(passwords.getProperty("bench-citizen-00000")).hasSizeGreaterThanOrEqualTo(32)
                .isNotEqualTo(passwords.getProperty("bench-citizen-00001"));

        String admin = http.clientToken("admin-demo", "admin-demo-secret", "admin");
        String demoSource = null;
        for (var s : http.get("/api/v1/sources", admin).json()) {
            if (s.get("name").asText().equals(ResearchFixtures.DEMO_SOURCE_NAME)) {
                demoSource = s.get("id").asText();
            }
        }
        assertThat(demoSource).isNotNull();

        // bench-citizen-00001 has the fifth demo person's identifier: never a named demo citizen's, an account of its own.
        String generated = http.citizenToken("bench-citizen-00001", passwords.getProperty("bench-citizen-00001"));
        String bob = http.citizenToken("bob", "bob-demo-password");
        OperatorHttp.Reply link = http.post("/api/v1/me/links", generated, Map.of("sourceId", demoSource));
        assertThat(link.status()).isEqualTo(201);
        assertThat(http.get("/api/v1/me/links", generated).json()).hasSize(1);
        assertThat(http.get("/api/v1/me/links", bob).json()).isEmpty();

        // Another generated citizen, another account (the sixth demo person's identifier).
        String other = http.citizenToken("bench-citizen-00002", passwords.getProperty("bench-citizen-00002"));
        assertThat(http.get("/api/v1/me/links", other).json()).isEmpty();
    }

    @Autowired
    DemoIdentities identities;

    /** A person's identifier finds their account and guardianships: a generated citizen never holds a named one's. */
    @Test
    void noGeneratedCitizenHasANamedDemoCitizensPerson() {
        var named = identities.citizens().stream().filter(c -> !c.generated())
                .map(DemoIdentities.Citizen::personIdentifier).toList();
        var generated = identities.citizens().stream().filter(DemoIdentities.Citizen::generated)
                .map(DemoIdentities.Citizen::personIdentifier).toList();
        assertThat(named).contains(identities.citizens().get(0).personIdentifier());
        assertThat(generated).hasSize(3).doesNotContainAnyElementsOf(named);
    }

    @Test
    void aGeneratedCitizenSignsInOnlyWithTheirOwnRandomPassword() throws IOException {
        OperatorHttp http = new OperatorHttp(port);
        assertThatThrownBy(() -> http.citizenToken("bench-citizen-00000", "bench-citizen-00000-demo-password"))
                .hasMessageContaining("login refused");
        assertThatThrownBy(() -> http.citizenToken("bench-citizen-00000", passwords().getProperty("bench-citizen-00001")))
                .hasMessageContaining("login refused");
    }
}
