package org.mydata.operator.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceSecretsTest {
    @TempDir
    Path dir;

    @Test
    void aSealedSecretOpensOnlyWithItsKeyForItsSourceAndField() throws Exception {
        Path file = dir.resolve("keys").resolve(SourceSecrets.FILE_NAME);
        SourceSecrets secrets = SourceSecrets.open(file, true);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        UUID source = UUID.randomUUID();
        String sealed = secrets.seal("s3cr3t", source, "client_secret");
        assertThat(sealed).doesNotContain("s3cr3t");
        assertThat(SourceSecrets.open(file, false).open(sealed, source, "client_secret")).isEqualTo("s3cr3t");
        assertThatThrownBy(() -> secrets.open(sealed, UUID.randomUUID(), "client_secret"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> secrets.open(sealed, source, "password")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SourceSecrets.ephemeral().open(sealed, source, "client_secret"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aMissingKeyIsNotMadeAnewWhenSecretsWereSealedWithIt() {
        assertThatThrownBy(() -> SourceSecrets.open(dir.resolve("absent.json"), false))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("restore it");
    }
}
