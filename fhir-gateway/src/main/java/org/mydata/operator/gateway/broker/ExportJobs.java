package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.mydata.operator.files.PrivateFiles;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.gateway.pseudonym.Pseudonymiser;
import org.mydata.operator.permit.CohortMember;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.permit.Permits.UsablePermit;
import org.mydata.operator.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bulk export jobs of this node: a few run at a time in the background, each writing one NDJSON
 * file per resource type into its own directory under {@code root}, line by line as the broker decides
 * each chunk of patients, so memory stays flat however large the cohort.
 *
 * <p>Beside each {@code Type.ndjson} a {@code Type.keys} file holds, for each line, the pseudonym of the
 * person it is about and the day its consent was judged by, shifted as the person's dates are, or
 * {@code -}: a download re-decides every line against the consents as they are when it starts. The keys
 * file is never served, and holds nothing that the NDJSON line does not already say to the researcher:
 * no source id, no true date.
 *
 * <p>Jobs live in this node's memory and files on its disk; a restart forgets the jobs and the sweep
 * removes their files. Finished jobs and their files are removed {@code retention} after they finish,
 * at once when deleted, and soon after their permit stops being usable.
 */
public final class ExportJobs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExportJobs.class);
    static final String DATA_SUFFIX = ".ndjson";
    static final String KEYS_SUFFIX = ".keys";
    private static final Duration SWEEP_EVERY = Duration.ofMinutes(10);

    private final Broker broker;
    private final Permits permits;
    private final FhirContext fhirContext;
    private final Clock clock;
    private final Path root;
    private final int maxJobs;
    private final Duration retention;
    private final ExecutorService runner;
    private final ScheduledExecutorService sweeper;
    private final Map<UUID, ExportJob> jobs = new ConcurrentHashMap<>();

    /** More jobs are waiting or running on this node than it takes. */
    static final class TooBusyException extends RuntimeException {
        TooBusyException() {
            super("busy", null, false, false);
        }
    }

    /**
     * @param root the directory jobs write under; made if missing
     * @param concurrentJobs how many jobs run at once; the others wait
     * @param maxJobs how many may wait or run at once before new ones are refused
     * @param retention how long a finished job and its files are kept
     */
    public ExportJobs(Broker broker, Permits permits, FhirContext fhirContext, Clock clock, Path root,
                      int concurrentJobs, int maxJobs, Duration retention) {
        this.broker = broker;
        this.permits = permits;
        this.fhirContext = fhirContext;
        this.clock = clock;
        this.root = root;
        this.maxJobs = maxJobs;
        this.retention = retention;
        try {
            PrivateFiles.directory(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the export directory " + root, e);
        }
        this.runner = Executors.newFixedThreadPool(concurrentJobs, daemon("gateway-export"));
        this.sweeper = Executors.newSingleThreadScheduledExecutor(daemon("gateway-export-sweep"));
        sweeper.scheduleWithFixedDelay(this::sweep, 0, SWEEP_EVERY.toSeconds(), TimeUnit.SECONDS);
    }

    Duration retention() {
        return retention;
    }

    /** Starts a job for the permit's researcher over the given types; refused when this node is busy. */
    synchronized ExportJob start(UsablePermit permit, String researcher, String request, List<String> types) {
        long busy = jobs.values().stream().filter(j -> j.state() == ExportJob.State.RUNNING).count();
        if (busy >= maxJobs) {
            throw new TooBusyException();
        }
        UUID id = UUID.randomUUID();
        ExportJob job = new ExportJob(id, permit.permit().id(), researcher, request, clock.instant(), types,
                root.resolve(id.toString()));
        jobs.put(id, job);
        try {
            job.running(runner.submit(() -> run(job)));
        } catch (RejectedExecutionException e) {
            jobs.remove(id);
            throw new TooBusyException();
        }
        return job;
    }

    /** The job, if it exists on this node and belongs to the permit. */
    Optional<ExportJob> find(UUID permitId, UUID jobId) {
        return Optional.ofNullable(jobs.get(jobId)).filter(j -> j.permitId().equals(permitId) && !j.deleted());
    }

    /** Stops the job if it runs, forgets it and removes its files. */
    void delete(ExportJob job) {
        job.delete();
        jobs.remove(job.id());
        deleteDirectory(job.directory());
    }

    Path dataFile(ExportJob job, ExportJob.Output output) {
        return job.directory().resolve(output.type() + DATA_SUFFIX);
    }

    Path keysFile(ExportJob job, ExportJob.Output output) {
        return job.directory().resolve(output.type() + KEYS_SUFFIX);
    }

    /** The line of the keys file for a released resource. */
    static String keyLine(Pseudonymiser pseudonymiser, Released released) {
        CohortMember member = released.member();
        return pseudonymiser.id("Patient", member.sourceId(), member.surrogateId()) + " "
                + (released.day() == null ? "-"
                : released.day().plusDays(pseudonymiser.dayShift(member.accountId())).toString());
    }

    /**
     * A parsed line of a keys file: whose the data line is (the pseudonym of their Patient), and the day
     * its consent is judged by as shifted for that person (unshift with their day shift), or null.
     */
    record Key(String person, LocalDate shiftedDay) {
        static Key parse(String line) {
            int space = line.indexOf(' ');
            if (space <= 0) {
                throw new IllegalStateException("a keys file line is malformed");
            }
            String day = line.substring(space + 1);
            return new Key(line.substring(0, space), day.equals("-") ? null : LocalDate.parse(day));
        }
    }

    private void run(ExportJob job) {
        try {
            PrivateFiles.directory(job.directory());
            List<ExportJob.Output> outputs = new ArrayList<>();
            for (int i = 0; i < job.types().size(); i++) {
                String type = job.types().get(i);
                stopIfDeleted(job);
                // The permit and the cohort are read again for every type: a revocation or a withdrawal
                // during a long export is honoured by the rest of it.
                UsablePermit permit = permits.forUse(job.permitId(), job.researcher(), clock.instant())
                        .orElseThrow(PermitEndedException::new);
                List<CohortMember> cohort = broker.cohort(permit, type);
                String step = type + " (" + (i + 1) + " of " + job.types().size() + " types): ";
                job.progress(step + "0 of " + cohort.size() + " patients");
                long count = write(job, permit, type, cohort, step);
                ExportJob.Output output = new ExportJob.Output(type, type + DATA_SUFFIX, count);
                if (count == 0) {
                    Files.deleteIfExists(dataFile(job, output));
                    Files.deleteIfExists(keysFile(job, output));
                } else {
                    outputs.add(output);
                }
            }
            job.complete(outputs, clock.instant());
            job.progress("done");
        } catch (Throwable failure) {
            job.fail(failure(job, failure), clock.instant());
            deleteDirectory(job.directory());
        }
        if (job.deleted()) {
            deleteDirectory(job.directory());
        }
    }

    private long write(ExportJob job, UsablePermit permit, String type, List<CohortMember> cohort, String step)
            throws IOException {
        Pseudonymiser pseudonymiser = broker.pseudonymiser(permit);
        long[] lines = {0};
        int[] patients = {0};
        // Health data and the pseudonym keys: readable by the operator's user only.
        try (BufferedWriter data = PrivateFiles.newWriter(job.directory().resolve(type + DATA_SUFFIX),
                StandardCharsets.UTF_8);
             BufferedWriter keys = PrivateFiles.newWriter(job.directory().resolve(type + KEYS_SUFFIX),
                     StandardCharsets.UTF_8)) {
            broker.export(permit, type, cohort, decided -> render(pseudonymiser, decided), chunk -> {
                stopIfDeleted(job);
                try {
                    for (int i = 0; i < chunk.data().size(); i++) {
                        data.write(chunk.data().get(i));
                        data.write('\n');
                        keys.write(chunk.keys().get(i));
                        keys.write('\n');
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                lines[0] += chunk.data().size();
                patients[0] += chunk.patients();
                job.progress(step + patients[0] + " of " + cohort.size() + " patients");
            });
        }
        return lines[0];
    }

    /** A decided chunk as the lines of the data file and of the keys file. */
    private record Rendered(int patients, List<String> data, List<String> keys) {
    }

    /** Runs on the thread that read the chunk; a parser per chunk, since HAPI's parsers are not thread-safe. */
    private Rendered render(Pseudonymiser pseudonymiser, Broker.Decided decided) {
        IParser parser = fhirContext.newJsonParser();
        List<String> data = new ArrayList<>(decided.released().size());
        List<String> keys = new ArrayList<>(decided.released().size());
        for (Released released : decided.released()) {
            data.add(parser.encodeResourceToString(released.resource()));
            keys.add(keyLine(pseudonymiser, released));
        }
        return new Rendered(decided.patients(), data, keys);
    }

    private static void stopIfDeleted(ExportJob job) {
        if (job.deleted() || Thread.currentThread().isInterrupted()) {
            throw new CancelledException();
        }
    }

    private static final class CancelledException extends RuntimeException {
        CancelledException() {
            super("cancelled", null, false, false);
        }
    }

    private static final class PermitEndedException extends RuntimeException {
        PermitEndedException() {
            super("permit ended", null, false, false);
        }
    }

    /** What the status URL says of a failed job: a source's failure as such, anything else without detail. */
    private static ExportJob.Failure failure(ExportJob job, Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && !(cause instanceof SourceUnavailableException)) {
            cause = cause.getCause();
        }
        if (cause instanceof SourceUnavailableException source) {
            return new ExportJob.Failure(source.timedOut() ? 504 : 502,
                    source.getMessage() + " The export was stopped and nothing of it is kept.");
        }
        if (failure instanceof CancelledException) {
            return new ExportJob.Failure(404, "The export was deleted.");
        }
        if (failure instanceof PermitEndedException) {
            return new ExportJob.Failure(404, "No FHIR base at this address.");
        }
        String incident = UUID.randomUUID().toString();
        log.error("incident {}: export {} failed ({})", incident, job.id(),
                cause instanceof StoreException ? "database" : cause.getClass().getName(), failure);
        return new ExportJob.Failure(500, "The export could not be completed; nothing of it is kept (incident "
                + incident + ").");
    }

    /**
     * Removes finished jobs past their retention, jobs whose permit is no longer usable, and directories
     * under the root that no job of this node owns once they are older than the retention (left by a
     * restart).
     */
    void sweep() {
        try {
            Instant now = clock.instant();
            for (ExportJob job : List.copyOf(jobs.values())) {
                boolean expired = job.finishedAt() != null && job.finishedAt().plus(retention).isBefore(now);
                if (expired || permits.forUse(job.permitId(), job.researcher(), now).isEmpty()) {
                    delete(job);
                }
            }
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
                for (Path dir : dirs) {
                    UUID id;
                    try {
                        id = UUID.fromString(dir.getFileName().toString());
                    } catch (IllegalArgumentException e) {
                        continue;
                    }
                    if (!jobs.containsKey(id)
                            && Files.getLastModifiedTime(dir).toInstant().plus(retention).isBefore(now)) {
                        deleteDirectory(dir);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("the export sweep failed; it runs again in {}", SWEEP_EVERY, e);
        }
    }

    private static void deleteDirectory(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | UncheckedIOException e) {
            log.warn("could not remove the export directory {} (the sweep tries again)", dir, e);
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        runner.shutdownNow();
    }
}
