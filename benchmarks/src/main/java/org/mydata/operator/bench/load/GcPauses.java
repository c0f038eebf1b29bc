package org.mydata.operator.bench.load;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GC pauses of one JVM during a measured window: how many, their sum and the longest. For another JVM, from its
 * GC log ({@code -Xlog:gc:...:uptime}, as run.sh starts the operator) between its uptimes at start and stop; for this
 * JVM (the driver, whose pauses delay the requests it times), from its collectors' beans (count and time, no
 * longest). Nothing here changes what is measured; it says what the latencies' tail may be made of.
 */
final class GcPauses {
    private static final Pattern PAUSE = Pattern.compile("^\\[([0-9.]+)s\\].*Pause.* ([0-9.]+)ms$");

    private final long pid;
    private final Path log;
    /** The other JVM's uptime, read (with jcmd) before the window, and this JVM's clock then. */
    private final double uptimeThen;
    private final long nanosThen;
    private double from = Double.NaN;
    private double until = Double.NaN;
    private long count;
    private double sumMs;
    private double maxMs = Double.NaN;

    /** Reads the JVM's uptime now, before the window, so that jcmd does not run inside it. */
    GcPauses(long pid, Path log) {
        this.pid = pid;
        this.log = log;
        this.uptimeThen = log == null ? Double.NaN : uptime();
        this.nanosThen = System.nanoTime();
    }

    static GcPauses thisJvm() {
        return new GcPauses(-1, null);
    }

    void start() {
        if (log == null) {
            count = -collections();
            sumMs = -collectionMs();
        } else {
            from = uptimeNow();
        }
    }

    void stop() {
        if (log == null) {
            count += collections();
            sumMs += collectionMs();
            return;
        }
        until = uptimeNow();
        if (Double.isNaN(from) || Double.isNaN(until) || !Files.isReadable(log)) {
            return;
        }
        try {
            for (String line : Files.readAllLines(log)) {
                Matcher m = PAUSE.matcher(line);
                if (m.find()) {
                    double t = Double.parseDouble(m.group(1));
                    if (t >= from && t <= until) {
                        double ms = Double.parseDouble(m.group(2));
                        count++;
                        sumMs += ms;
                        maxMs = Double.isNaN(maxMs) ? ms : Math.max(maxMs, ms);
                    }
                }
            }
        } catch (IOException e) {
            // No figure rather than a failed scenario: the log is only read to explain the latencies.
            count = 0;
            sumMs = 0;
            maxMs = Double.NaN;
        }
    }

    void record(Metrics m, String prefix) {
        m.put(prefix + ".pauses", count);
        m.put(prefix + ".pause_ms_sum", sumMs);
        if (!Double.isNaN(maxMs)) {
            m.put(prefix + ".pause_ms_max", maxMs);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d, %.0f ms in all%s", count, sumMs,
                Double.isNaN(maxMs) ? "" : String.format(Locale.ROOT, ", longest %.0f ms", maxMs));
    }

    private double uptimeNow() {
        return uptimeThen + (System.nanoTime() - nanosThen) / 1e9;
    }

    private double uptime() {
        Matcher m = Pattern.compile("([0-9.]+) s").matcher(Jfr.jcmd(pid, "VM.uptime"));
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static long collections() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    private static double collectionMs() {
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }
}
