package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.config.OperatorProperties;
import org.springframework.beans.factory.annotation.Autowired;

/** The default build has no generated citizens: nobody signs in as one, and no password file is written. */
class GeneratedCitizensOffTest extends OperatorTestBase {
    @Autowired
    OperatorProperties properties;

    @Test
    void thereAreNoGeneratedCitizensByDefault() {
        assertThatThrownBy(() -> http.citizenToken("bench-citizen-00000", "bench-citizen-00000-demo-password"))
                .hasMessageContaining("login refused");
        Path file = properties.dataDir().resolve("keys").resolve("generated-citizens.properties");
        assertThat(Files.exists(file)).isFalse();
    }
}
