package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mydata.operator.signing.MissingSigningKeysException;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/** A lost keystore is never silently replaced: the operator refuses to start and names the keys it lacks. */
class KeystoreLossTest {

    @Test
    void theOperatorRefusesToStartWithoutTheKeysItsRecordsWereSignedWith() throws Exception {
        Path dataDir = Files.createTempDirectory("operator-keystore-loss");
        List<String> kids = new ArrayList<>();
        String jwks;
        try (ConfigurableApplicationContext first = start(dataDir)) {
            OperatorHttp http = new OperatorHttp(((WebServerApplicationContext) first).getWebServer().getPort());
            String admin = http.clientToken("admin-demo", "admin-demo-secret", "admin");
            // The rotation is a signed record in the log, signed by the new key: two keys are now in use.
            assertThat(http.post("/api/v1/admin/keys/rotate", admin, "{}").status()).isEqualTo(200);
            jwks = http.get("/.well-known/jwks.json", null).body();
            for (JsonNode key : OperatorHttp.JSON.readTree(jwks).get("keys")) {
                kids.add(key.get("kid").asText());
            }
        }
        assertThat(kids).hasSize(2);

        Path keys = dataDir.resolve("keys");
        Path moved = Files.move(keys, dataDir.resolve("keys-backup"));
        Throwable refused = catchThrowable(() -> start(dataDir).close());
        assertThat(refused).as("the operator must not start without its keys").isNotNull();
        MissingSigningKeysException missing = rootOfType(refused);
        assertThat(missing.missing()).containsExactlyInAnyOrderElementsOf(kids);
        assertThat(missing.getMessage()).contains(kids).contains("restore");
        assertThat(keys.resolve("operator-signing.p12")).as("no new key was made").doesNotExist();

        // With the keystore restored from the backup, it starts and publishes the same keys.
        Files.move(moved, keys);
        try (ConfigurableApplicationContext again = start(dataDir)) {
            OperatorHttp http = new OperatorHttp(((WebServerApplicationContext) again).getWebServer().getPort());
            assertThat(http.get("/.well-known/jwks.json", null).body()).isEqualTo(jwks);
        }
    }

    private static MissingSigningKeysException rootOfType(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof MissingSigningKeysException m) {
                return m;
            }
        }
        throw new AssertionError("the start failed, but not for the missing keys", t);
    }

    private static ConfigurableApplicationContext start(Path dataDir) {
        return new SpringApplicationBuilder(OperatorApplication.class).run("--server.port=0",
                "--operator.data-dir=" + dataDir, "--operator.embedded.demo=false");
    }
}
