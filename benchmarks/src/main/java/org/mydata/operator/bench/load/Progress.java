package org.mydata.operator.bench.load;

import java.time.LocalTime;
import java.time.temporal.ChronoUnit;

/** What the driver is doing, on stderr, so the run's log shows where the time goes. */
final class Progress {
    private Progress() {
    }

    static void say(String format, Object... args) {
        System.err.println("[bench " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "] " + String.format(format, args));
    }
}
