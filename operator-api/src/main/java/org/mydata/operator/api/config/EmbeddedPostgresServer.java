package org.mydata.operator.api.config;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.mydata.operator.background.PollingThread;
import org.mydata.operator.files.PrivateFiles;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default's PostgreSQL server, durable and self-healing.
 *
 * <ul>
 *   <li>It runs with {@code fsync}, {@code synchronous_commit} and {@code full_page_writes} on: the library's
 *       defaults are test settings under which a crash loses acknowledged commits.</li>
 *   <li>A server left running on the same data dir by an operator that was killed is stopped before the new
 *       one starts (smart shutdown first, harder only if it does not go), so the first restart comes up.</li>
 *   <li>A watchdog notices when the postmaster is gone and starts it again on the same port and data dir, so
 *       the connection pool reconnects without a restart of the operator.</li>
 *   <li>It trusts nobody: it listens on the loopback only, and every connection, over TCP or the socket,
 *       authenticates with SCRAM as the superuser with a generated secret kept {@code 0600} beside the data
 *       ({@link #secretFile}). Without that, any local account could connect as superuser, read every table and
 *       run programs through {@code COPY ... TO PROGRAM}. A data dir made before (the library's initdb trusts
 *       every local connection) gets the password at its first start, then the same rules.</li>
 * </ul>
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    /** The settings that make an acknowledged commit survive a crash of PostgreSQL or of the machine. */
    public static final Map<String, String> DURABLE = Map.of("fsync", "on", "synchronous_commit", "on",
            "full_page_writes", "on");

    /** The library's own lock file: an operator that is alive holds it; one that was killed no longer does. */
    private static final String OWNER_LOCK = "epg-lock";
    private static final Duration SMART_SHUTDOWN = Duration.ofSeconds(30);
    private static final Duration FAST_SHUTDOWN = Duration.ofSeconds(30);
    private static final Duration FORCED_STOP = Duration.ofSeconds(10);

    /** The first line of the pg_hba.conf this class writes; a data dir without it has no password yet. */
    private static final String HBA_MARKER = "# mydata-operator: SCRAM only";
    private static final String HBA = HBA_MARKER + """

            # Written by the operator (EmbeddedPostgresServer): every connection needs the superuser's secret.
            local   all   all                 scram-sha-256
            host    all   all   127.0.0.1/32  scram-sha-256
            host    all   all   ::1/128       scram-sha-256
            """;

    private final Path dataDir;
    private final String password;
    private final EmbeddedPostgres server;
    private final List<String> postmasterCommand;
    private final PollingThread watchdog;
    private final Object lifecycle = new Object();
    private volatile long postmasterPid;
    private volatile boolean closing;
    private volatile int restarts;
    private long goneSince;

    private EmbeddedPostgresServer(Path dataDir, String password, EmbeddedPostgres server, long postmasterPid,
                                   List<String> postmasterCommand, Duration watchInterval) {
        this.dataDir = dataDir;
        this.password = password;
        this.server = server;
        this.postmasterPid = postmasterPid;
        this.postmasterCommand = postmasterCommand;
        if (postmasterCommand == null || watchInterval == null) {
            watchdog = null;
            if (watchInterval != null) {
                log.warn("The embedded PostgreSQL's command line cannot be read on this system; it will not be "
                        + "restarted if it dies");
            }
            return;
        }
        watchdog = new PollingThread("embedded-postgres-watchdog", watchInterval, () -> {
            watch();
            return false;
        }, e -> log.warn("The embedded PostgreSQL's watchdog failed ({}); it looks again shortly", e.toString()));
        watchdog.start();
    }

    /**
     * Starts PostgreSQL on {@code dataDir} (made by initdb on first use), first stopping one that a killed
     * operator left running there.
     *
     * @param watchInterval how often the watchdog looks for the postmaster; null for no watchdog
     */
    public static EmbeddedPostgresServer start(Path dataDir, Duration watchInterval) throws IOException {
        Path dir = dataDir.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        stopLeftover(dir);
        // The library's own shutdown hook would stop PostgreSQL behind the watchdog's back, which would then
        // start it again as the JVM exits; this class's hook stops the watchdog first.
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false)
                .setRegisterShutdownHook(false).setPGStartupWait(Duration.ofSeconds(60));
        DURABLE.forEach(builder::setServerConfig);
        builder.setServerConfig("listen_addresses", "localhost").setServerConfig("password_encryption", "scram-sha-256");
        String password = secret(secretFile(dir));
        // The library's own readiness checks connect too, and need the secret once the server asks for it.
        builder.setConnectConfig("password", password);
        EmbeddedPostgres server = builder.start();
        try {
            if (!secured(dir)) {
                requirePassword(server, dir, password);
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        Optional<Postmaster> postmaster = Postmaster.read(dir);
        long pid = postmaster.map(Postmaster::pid).orElse(-1L);
        List<String> command = postmaster.flatMap(p -> commandLine(p.pid())).orElse(null);
        EmbeddedPostgresServer started = new EmbeddedPostgresServer(dir, password, server, pid, command,
                watchInterval);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                started.close();
            } catch (IOException e) {
                log.warn("Stopping the embedded PostgreSQL at exit failed: {}", e.getMessage());
            }
        }, "embedded-postgres-stop"));
        return started;
    }

    /** The kept secret, or a new one (256 random bits), written whole and {@code 0600} before it is used. */
    private static String secret(Path file) throws IOException {
        if (Files.exists(file)) {
            PrivateFiles.narrow(file);
            String kept = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!kept.isEmpty()) {
                return kept;
            }
        }
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        try {
            PrivateFiles.replace(file, out -> out.write(secret.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IOException("the embedded PostgreSQL's secret could not be written", e);
        }
        return secret;
    }

    private static boolean secured(Path dir) throws IOException {
        Path hba = dir.resolve("pg_hba.conf");
        return Files.exists(hba) && Files.readString(hba, StandardCharsets.UTF_8).startsWith(HBA_MARKER);
    }

    /**
     * The first start of a data dir without a password (a new one, or one made by an earlier version, both of
     * which trust local connections as the library's initdb leaves them): sets the superuser's password, hashed
     * by the driver (SCRAM-SHA-256) so it never travels or is logged in clear, then puts the SCRAM-only
     * pg_hba.conf in place and has the server reload it. A crash in between leaves the old file, and the next
     * start does it again with the same kept secret.
     */
    private static void requirePassword(EmbeddedPostgres server, Path dir, String password) throws IOException {
        try (Connection c = server.getPostgresDatabase().getConnection()) {
            c.unwrap(PGConnection.class).alterUserPassword("postgres", password.toCharArray(), "scram-sha-256");
            try {
                PrivateFiles.replace(dir.resolve("pg_hba.conf"), out -> out.write(HBA.getBytes(StandardCharsets.UTF_8)));
            } catch (GeneralSecurityException e) {
                throw new IOException("the embedded PostgreSQL's pg_hba.conf could not be written", e);
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select pg_reload_conf()")) {
                rs.next();
            }
        } catch (SQLException e) {
            throw new IOException("the embedded PostgreSQL's password could not be set: " + e.getMessage(), e);
        }
        log.info("The embedded PostgreSQL now requires the password kept in {}", secretFile(dir));
    }

    public int port() {
        return server.getPort();
    }

    public String jdbcUrl() {
        return server.getJdbcUrl("postgres", "postgres");
    }

    /** Where the superuser's password is kept ({@code 0600}): beside the server's data, in the operator's data dir. */
    public static Path secretFile(Path dataDir) {
        return dataDir.toAbsolutePath().normalize().resolveSibling("postgres.secret");
    }

    /** The superuser's password, which every connection needs. */
    public String password() {
        return password;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The running postmaster's process id, as its postmaster.pid says. */
    public long postmasterPid() {
        return postmasterPid;
    }

    /** How many times the watchdog has started PostgreSQL again. */
    public int restarts() {
        return restarts;
    }

    @Override
    public void close() throws IOException {
        closing = true;
        if (watchdog != null) {
            watchdog.close();
        }
        synchronized (lifecycle) {
            server.close();
        }
    }

    // ---- the watchdog ---------------------------------------------------------------------------------

    private void watch() {
        synchronized (lifecycle) {
            if (closing || running(postmasterPid)) {
                return;
            }
            if (goneSince == 0) {
                log.warn("The embedded PostgreSQL (pid {}) is gone; starting it again on port {} with data in {}",
                        postmasterPid, port(), dataDir);
                goneSince = System.nanoTime();
            }
            try {
                restart();
                restarts++;
                log.info("The embedded PostgreSQL is back (pid {}) {} ms after it was found gone; the connection pool "
                        + "reconnects by itself", postmasterPid, (System.nanoTime() - goneSince) / 1_000_000);
                goneSince = 0;
            } catch (IOException | RuntimeException e) {
                // Right after a crash the old postmaster may not be reaped yet, which PostgreSQL takes for a
                // running server; the next round usually succeeds.
                log.info("Starting the embedded PostgreSQL again failed ({}); trying again shortly", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts the postmaster with the command line it last ran with, through pg_ctl so it has its own session. */
    private void restart() throws IOException, InterruptedException {
        Path postgres = Path.of(postmasterCommand.get(0));
        Path pgCtl = postgres.resolveSibling("pg_ctl");
        List<String> options = postmasterCommand.subList(1, postmasterCommand.size()).stream()
                .filter(a -> !a.isEmpty()).toList();
        // pg_ctl adds -D itself; the rest goes to the postmaster unchanged (port, settings).
        List<String> passed = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
            if (options.get(i).equals("-D") && i + 1 < options.size()) {
                i++;
            } else {
                passed.add(options.get(i));
            }
        }
        Process process = new ProcessBuilder(pgCtl(pgCtl, "-D", dataDir.toString(), "-o", String.join(" ", passed),
                "-l", dataDir.resolveSibling("postgres.log").toString(), "-w", "-t", "60", "start"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("pg_ctl start did not finish");
        }
        if (process.exitValue() != 0) {
            throw new IOException("pg_ctl start exited with " + process.exitValue() + " (see "
                    + dataDir.resolveSibling("postgres.log") + ")");
        }
        postmasterPid = Postmaster.read(dataDir).map(Postmaster::pid)
                .orElseThrow(() -> new IOException("PostgreSQL started but wrote no postmaster.pid"));
    }

    // ---- a server left running by an operator that was killed -----------------------------------------

    /**
     * Stops a PostgreSQL still running on {@code dir} after the operator that started it was killed. Only a
     * live process that really is a postmaster for this data dir is touched, and only when no living
     * operator holds the data dir; a stale postmaster.pid whose process is gone is left to PostgreSQL.
     */
    static void stopLeftover(Path dir) throws IOException {
        Optional<Postmaster> found = Postmaster.read(dir);
        if (found.isEmpty()) {
            return;
        }
        long pid = found.get().pid();
        if (!running(pid)) {
            log.info("The embedded PostgreSQL was not shut down cleanly last time (pid {} in postmaster.pid is not "
                    + "running); PostgreSQL recovers from its WAL as it starts", pid);
            return;
        }
        Optional<List<String>> command = commandLine(pid);
        if (command.isEmpty() || !isPostmasterFor(command.get(), dir)) {
            log.info("postmaster.pid names pid {}, which is not a PostgreSQL server for {}; left to PostgreSQL", pid, dir);
            return;
        }
        Path ownerLock = dir.resolve(OWNER_LOCK);
        try (FileOutputStream out = new FileOutputStream(ownerLock.toFile());
             FileLock lock = out.getChannel().tryLock()) {
            if (lock == null) {
                throw new IllegalStateException("another operator is running on the data dir " + dir.getParent()
                        + " (its PostgreSQL has pid " + pid + "); stop it first or give this one its own operator.data-dir");
            }
            log.warn("A PostgreSQL (pid {}) is still running on {}, left by an operator that stopped without shutting "
                    + "it down; stopping it before starting again", pid, dir);
            long started = System.nanoTime();
            stop(pid, command.get(), dir);
            log.info("The left-over PostgreSQL (pid {}) stopped in {} ms", pid, (System.nanoTime() - started) / 1_000_000);
        }
    }

    /**
     * SIGTERM first: a smart shutdown, which the killed operator's connections, now closed, do not hold up.
     * Then pg_ctl's fast shutdown, and only then SIGKILL; with fsync on even that loses nothing acknowledged,
     * PostgreSQL replays its WAL at the next start.
     */
    private static void stop(long pid, List<String> command, Path dir) throws IOException {
        ProcessHandle handle = ProcessHandle.of(pid).orElse(null);
        if (handle == null) {
            return;
        }
        handle.destroy();
        if (awaitExit(pid, SMART_SHUTDOWN)) {
            return;
        }
        log.warn("The left-over PostgreSQL (pid {}) did not stop within {} s of a smart shutdown; asking for a fast one",
                pid, SMART_SHUTDOWN.toSeconds());
        Path pgCtl = Path.of(command.get(0)).resolveSibling("pg_ctl");
        if (Files.isExecutable(pgCtl)) {
            try {
                Process p = new ProcessBuilder(pgCtl(pgCtl, "-D", dir.toString(), "-m", "fast", "-w", "-t",
                        Long.toString(FAST_SHUTDOWN.toSeconds()), "stop")).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                p.waitFor(FAST_SHUTDOWN.toSeconds() + 10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping the left-over PostgreSQL", e);
            }
            if (awaitExit(pid, Duration.ofSeconds(1))) {
                return;
            }
        }
        log.warn("The left-over PostgreSQL (pid {}) is still running; killing it", pid);
        handle.destroyForcibly();
        if (!awaitExit(pid, FORCED_STOP)) {
            throw new IllegalStateException("the PostgreSQL left running on " + dir + " (pid " + pid
                    + ") cannot be stopped; stop it by hand and start again");
        }
    }

    /**
     * pg_ctl refuses to run as root; the library then runs its binaries in a user namespace of their own
     * ({@code unshare -U}), and so must every later call, or the server would not be the same one.
     */
    private static List<String> pgCtl(Path pgCtl, String... args) {
        List<String> command = new ArrayList<>();
        if (LinuxUtils.isUnshareAvailable()) {
            command.addAll(List.of("unshare", "-U"));
        }
        command.add(pgCtl.toString());
        command.addAll(List.of(args));
        return command;
    }

    private static boolean awaitExit(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (running(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !running(pid);
            }
        }
        return true;
    }

    /** Alive and not a zombie: a killed postmaster whose parent has not reaped it is gone all the same. */
    static boolean running(long pid) {
        if (pid <= 0 || !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try {
            String text = Files.readString(stat, StandardCharsets.US_ASCII);
            int end = text.lastIndexOf(')');
            return end < 0 || end + 2 >= text.length() || text.charAt(end + 2) != 'Z';
        } catch (NoSuchFileException e) {
            return !Files.isDirectory(Path.of("/proc", "self"));
        } catch (IOException e) {
            return true;
        }
    }

    private static Optional<List<String>> commandLine(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::info).flatMap(info -> info.command().map(c -> {
            List<String> line = new ArrayList<>();
            line.add(c);
            info.arguments().ifPresent(a -> line.addAll(List.of(a)));
            return line;
        }));
    }

    private static boolean isPostmasterFor(List<String> command, Path dir) {
        Path program = Path.of(command.get(0)).getFileName();
        if (program == null || !(program.toString().equals("postgres") || program.toString().equals("postgres.exe"))) {
            return false;
        }
        for (int i = 1; i + 1 < command.size(); i++) {
            if (command.get(i).equals("-D") && samePath(Path.of(command.get(i + 1)), dir)) {
                return true;
            }
        }
        return false;
    }

    private static boolean samePath(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }

    /** The first lines of PostgreSQL's postmaster.pid: the postmaster's pid and its data dir. */
    record Postmaster(long pid, String dataDir) {
        static Optional<Postmaster> read(Path dir) throws IOException {
            Path file = dir.resolve("postmaster.pid");
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
            if (lines.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Postmaster(Long.parseLong(lines.get(0).strip()), lines.size() > 1 ? lines.get(1) : ""));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }
}
