package org.mydata.operator.bench.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where the CPU went over a window: the whole machine (/proc/stat), the operator's JVM (/proc/PID/stat) and
 * this driver. With 2 cores shared by the operator, PostgreSQL and the driver, this tells a CPU-bound run
 * from a lock-bound one. Linux only; on anything else the figures are NaN.
 */
final class Cpu {
    private static final double HZ = 100.0;
    private final long pid;
    private final Path pgData;
    /** A process of the benchmark's own that the scenario reads from (a FHIR source JVM), or 0. */
    private final long sourcePid;
    private long source;
    private double sourceCores = Double.NaN;
    private long machineBusy;
    private long postgres;
    private double postgresCores = Double.NaN;
    private long machineTotal;
    private long operator;
    private long driverNanos;
    private long wall;
    private String summary = "cpu: not measured";
    private double machineCores = Double.NaN;
    private double operatorCores = Double.NaN;
    private double driverCores = Double.NaN;

    /**
     * @param pid    the operator JVM
     * @param pgData the PostgreSQL data directory, whose postmaster.pid names the server process; null if none
     */
    Cpu(long pid, Path pgData) {
        this(pid, pgData, 0);
    }

    /** As above, with the source JVM's CPU counted apart rather than among the other processes. */
    Cpu(long pid, Path pgData, long sourcePid) {
        this.pid = pid;
        this.pgData = pgData;
        this.sourcePid = sourcePid;
    }

    void start() {
        long[] m = machine();
        machineBusy = m[0];
        machineTotal = m[1];
        operator = process(pid);
        source = sourcePid == 0 ? 0 : process(sourcePid);
        postgres = postgres();
        driverNanos = driverCpu();
        wall = System.nanoTime();
    }

    void stop() {
        long[] m = machine();
        double seconds = (System.nanoTime() - wall) / 1e9;
        int cores = Runtime.getRuntime().availableProcessors();
        machineCores = m[1] == machineTotal ? Double.NaN : (double) (m[0] - machineBusy) / (m[1] - machineTotal) * cores;
        operatorCores = (process(pid) - operator) / HZ / seconds;
        driverCores = (driverCpu() - driverNanos) / 1e9 / seconds;
        postgresCores = (postgres() - postgres) / HZ / seconds;
        double sourceShare = 0;
        String sourcePart = "";
        if (sourcePid != 0) {
            sourceCores = (process(sourcePid) - source) / HZ / seconds;
            sourceShare = sourceCores;
            sourcePart = String.format(Locale.ROOT, ", source JVM %.2f", sourceCores);
        }
        summary = String.format(Locale.ROOT, "cores busy %.2f of %d: operator JVM %.2f, PostgreSQL %.2f%s, driver %.2f, "
                + "other processes on the machine %.2f", machineCores, cores, operatorCores, postgresCores, sourcePart,
                driverCores, machineCores - operatorCores - postgresCores - sourceShare - driverCores);
    }

    /** The PostgreSQL server's CPU: the postmaster, the children it has reaped, and its live children. */
    private long postgres() {
        if (pgData == null) {
            return 0;
        }
        try {
            long postmaster = Long.parseLong(Files.readAllLines(pgData.resolve("postmaster.pid")).get(0).trim());
            String[] own = stat(postmaster);
            long total = Long.parseLong(own[11]) + Long.parseLong(own[12]) + Long.parseLong(own[13])
                    + Long.parseLong(own[14]);
            try (var procs = Files.list(Path.of("/proc"))) {
                for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                    try {
                        String[] f = stat(Long.parseLong(p.getFileName().toString()));
                        if (Long.parseLong(f[1]) == postmaster) {
                            total += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                        }
                    } catch (IOException | RuntimeException gone) {
                        // the process ended meanwhile
                    }
                }
            }
            return total;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static String[] stat(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    void record(Metrics metrics, String prefix) {
        metrics.put(prefix + ".cpu.machine", machineCores);
        metrics.put(prefix + ".cpu.operator", operatorCores);
        metrics.put(prefix + ".cpu.driver", driverCores);
        metrics.put(prefix + ".cpu.postgres", postgresCores);
        if (sourcePid != 0) {
            metrics.put(prefix + ".cpu.source", sourceCores);
        }
        metrics.put(prefix + ".cpu", summary);
        Progress.say("%s %s", prefix, summary);
    }

    private static long[] machine() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** Cores the operator JVM (the pid this was made for) used over the window. */
    double operatorCores() {
        return operatorCores;
    }

    double postgresCores() {
        return postgresCores;
    }

    private static long process(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long driverCpu() {
        return ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime();
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "n/a";
        }
    }
}
