package org.mydata.operator.api.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** majority: the demo child's coming of age is fixed at the first start and kept: a restart never makes him a minor. */
class DemoComingOfAgeTest {
    @TempDir
    Path dataDir;

    @Test
    void theFirstStartFixesTheInstantAndLaterStartsKeepIt() throws IOException {
        Instant first = Instant.parse("2026-12-07T10:00:00.750Z");
        DemoComingOfAge made = DemoComingOfAge.keptIn(dataDir, Duration.ofMinutes(3), Clock.fixed(first, ZoneOffset.UTC));
        assertThat(made.comesOfAge()).isEqualTo(Instant.parse("2026-12-07T10:03:00Z"));
        assertThat(Files.readString(dataDir.resolve(DemoComingOfAge.FILE)).strip()).isEqualTo("2026-12-07T10:03:00Z");

        // A restart an hour later, with another setting: the child came of age at the kept instant.
        DemoComingOfAge kept = DemoComingOfAge.keptIn(dataDir, Duration.ofMinutes(10),
                Clock.fixed(first.plus(Duration.ofHours(1)), ZoneOffset.UTC));
        assertThat(kept.comesOfAge()).isEqualTo(made.comesOfAge());
    }

    @Test
    void aFileThatHoldsNoInstantIsRefusedNotReplaced() throws IOException {
        Files.writeString(dataDir.resolve(DemoComingOfAge.FILE), "soon");
        assertThatThrownBy(() -> DemoComingOfAge.keptIn(dataDir, Duration.ofMinutes(3), Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not hold an instant");
    }
}
