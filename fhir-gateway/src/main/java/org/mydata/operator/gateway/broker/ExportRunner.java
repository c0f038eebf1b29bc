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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.mydata.operator.background.DaemonThreads;
import org.mydata.operator.background.PollingThread;
import org.mydata.operator.export.ExportFailure;
import org.mydata.operator.export.ExportJob;
import org.mydata.operator.export.ExportJobs;
import org.mydata.operator.export.ExportOutput;
import org.mydata.operator.export.ExportRequest;
import org.mydata.operator.export.ExportState;
import org.mydata.operator.files.PrivateFiles;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.gateway.pseudonym.Pseudonymiser;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.permit.CohortMember;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.permit.Permits.UsablePermit;
import org.mydata.operator.release.ConsentGrant;
import org.mydata.operator.release.Inclusion;
import org.mydata.operator.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs bulk exports. Their state is in PostgreSQL ({@link ExportJobs}) and their files under {@code root}, a
 * directory every node shares, so any node answers a job's status and serves its files. A few jobs run at a
 * time on each node, each writing one NDJSON file per type, line by line as the broker decides each chunk of
 * patients, so memory stays flat however large the cohort.
 *
 * <p>Beside each {@code Type.ndjson} a {@code Type.keys} file holds, for each line, the pseudonym of the
 * person it is about and the day its consent was judged by, shifted as the person's dates are, or
 * {@code -}: a download re-decides every line against the consents as they are when it starts. The keys
 * file is never served, and holds nothing that the NDJSON line does not already say to the researcher:
 * no source id, no true date.
 *
 * <p>A node says every {@code heartbeatEvery} that it still runs its jobs. One that stops lets go of them;
 * one that dies goes quiet. Either way another node (or the same one, started again) takes the job up within
 * seconds, or once it has been quiet for {@link #QUIET_AFTER}, and runs it again from the start, in a
 * directory of its own. Finished jobs and their files are removed {@code retention} after they finish, at once
 * when deleted, and soon after their permit stops being usable (the sweep, every {@code sweepEvery}).
 *
 * <p>Looking for work, the heartbeat and the sweep take turns on one {@link PollingThread}.
 */
public final class ExportRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExportRunner.class);
    static final String DATA_SUFFIX = ".ndjson";
    static final String KEYS_SUFFIX = ".keys";
    /** Several missed heartbeats, and longer than a chunk's deadline: a node this quiet is taken for dead. */
    static final Duration QUIET_AFTER = Duration.ofSeconds(90);
    private static final Duration LOOK_FOR_WORK_EVERY = Duration.ofSeconds(2);

    private final Broker broker;
    private final Permits permits;
    private final ExportJobs store;
    private final FhirContext fhirContext;
    private final Clock clock;
    private final Path root;
    private final int concurrentJobs;
    private final int maxJobs;
    private final Duration retention;
    private final Duration heartbeatEvery;
    private final Duration sweepEvery;
    /** This node, as the jobs it runs name their owner: new at every start. */
    private final String node = UUID.randomUUID().toString();
    private final ExecutorService runner;
    private final PollingThread rounds;
    /** When the next heartbeat and sweep are due, on {@link System#nanoTime()}; read by the rounds' thread only. */
    private long nextHeartbeat;
    private long nextSweep;
    private final Map<UUID, Future<?>> running = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** More jobs are waiting or running on this node than it takes. */
    static final class TooBusyException extends RuntimeException {
        TooBusyException() {
            super("busy", null, false, false);
        }
    }

    /**
     * @param root the directory jobs write under, shared by all nodes; made if missing
     * @param concurrentJobs how many jobs run at once on this node; the others wait
     * @param maxJobs how many may wait or run at once on this node before new ones are refused
     * @param retention how long a finished job and its files are kept
     * @param heartbeatEvery how often this node says that it still runs its jobs; at most a third of
     *     {@link #QUIET_AFTER}, so that a late heartbeat or two never hands a job to another node
     * @param sweepEvery how often this node removes expired jobs and their files
     */
    public ExportRunner(Broker broker, Permits permits, ExportJobs store, FhirContext fhirContext, Clock clock,
                        Path root, int concurrentJobs, int maxJobs, Duration retention, Duration heartbeatEvery,
                        Duration sweepEvery) {
        if (heartbeatEvery.isNegative() || heartbeatEvery.isZero()
                || heartbeatEvery.multipliedBy(3).compareTo(QUIET_AFTER) > 0) {
            throw new IllegalArgumentException("the export heartbeat must be positive and at most " + QUIET_AFTER
                    .dividedBy(3) + ", a third of the quiet time after which another node takes a job up");
        }
        if (sweepEvery.isNegative() || sweepEvery.isZero()) {
            throw new IllegalArgumentException("the export sweep interval must be positive");
        }
        this.broker = broker;
        this.permits = permits;
        this.store = store;
        this.fhirContext = fhirContext;
        this.clock = clock;
        this.root = root;
        this.concurrentJobs = concurrentJobs;
        this.maxJobs = maxJobs;
        this.retention = retention;
        this.heartbeatEvery = heartbeatEvery;
        this.sweepEvery = sweepEvery;
        try {
            PrivateFiles.directory(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the export directory " + root, e);
        }
        this.runner = Executors.newFixedThreadPool(concurrentJobs, DaemonThreads.named("gateway-export"));
        long now = System.nanoTime();
        this.nextHeartbeat = now + heartbeatEvery.toNanos();
        this.nextSweep = now;
        this.rounds = new PollingThread("gateway-export-jobs", LOOK_FOR_WORK_EVERY, this::round,
                e -> log.warn("an export round failed; trying again in {}", LOOK_FOR_WORK_EVERY, e));
        rounds.start();
    }

    /** One round of the rounds' thread: look for work; beat and sweep when due. */
    private boolean round() {
        takeUpWaitingJobs();
        long now = System.nanoTime();
        if (now - nextHeartbeat >= 0) {
            heartbeat();
            nextHeartbeat = System.nanoTime() + heartbeatEvery.toNanos();
        }
        if (now - nextSweep >= 0) {
            sweep();
            nextSweep = System.nanoTime() + sweepEvery.toNanos();
        }
        return false;
    }

    Duration retention() {
        return retention;
    }

    /** Starts a job for the permit's researcher; refused when this node is busy. */
    synchronized ExportJob start(UsablePermit permit, String researcher, ExportRequest request) {
        if (closed || running.size() >= maxJobs) {
            throw new TooBusyException();
        }
        Instant now = clock.instant();
        ExportJob job = new ExportJob(UUID.randomUUID(), permit.permit().id(), researcher, request,
                ExportState.RUNNING, "queued", node, newAttempt(), List.of(), null, now, now, null, null);
        store.create(job, now);
        submit(job);
        return job;
    }

    /** The job, if it exists and belongs to the permit and its researcher. */
    Optional<ExportJob> find(UUID permitId, String researcher, UUID jobId) {
        return store.find(jobId).filter(j -> j.permitId().equals(permitId) && j.researcher().equals(researcher));
    }

    /**
     * Deletes the job and its files. A run on this node stops at once; one on another node stops at its next
     * chunk, when it finds the job gone, and removes what it wrote.
     */
    void delete(ExportJob job) {
        store.delete(job.id());
        Future<?> run = running.remove(job.id());
        if (run != null) {
            run.cancel(true);
        }
        deleteDirectory(root.resolve(job.id().toString()));
    }

    Path dataFile(ExportJob job, String type) {
        return directory(job).resolve(type + DATA_SUFFIX);
    }

    Path keysFile(ExportJob job, String type) {
        return directory(job).resolve(type + KEYS_SUFFIX);
    }

    private Path directory(ExportJob job) {
        return root.resolve(job.id().toString()).resolve(job.attempt());
    }

    /**
     * The line of the keys file for a released resource. Its day is the source's clinical day (what consent
     * judges) moved by whole days only, so the download gets the source's day back exactly; it is not the
     * released value's day, which the time of day in the offset may carry one day further, and nothing
     * matches it against what a researcher asks (searches and {@code _typeFilter} judge the released value).
     */
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

    private static String newAttempt() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** Queues the run; the queue is unbounded, and only a closing node refuses it (and then lets go of the job). */
    private void submit(ExportJob job) {
        // In the map before it can run, so that its own end always finds it there to remove.
        FutureTask<Void> task = new FutureTask<>(() -> run(job), null);
        running.put(job.id(), task);
        try {
            runner.execute(task);
        } catch (RejectedExecutionException e) {
            running.remove(job.id());
        }
    }

    /** Takes up jobs that wait for a node or whose node went quiet, while this node has room. */
    private synchronized void takeUpWaitingJobs() {
        try {
            while (!closed && running.size() < concurrentJobs) {
                Instant now = clock.instant();
                Optional<ExportJob> claimed = store.claim(node, newAttempt(), now, now.minus(QUIET_AFTER));
                if (claimed.isEmpty()) {
                    return;
                }
                log.info("export {} taken up again by this node (its node stopped or went quiet)", claimed.get().id());
                submit(claimed.get());
            }
        } catch (RuntimeException e) {
            log.warn("looking for export jobs to take up failed; trying again in {}", LOOK_FOR_WORK_EVERY, e);
        }
    }

    private void heartbeat() {
        try {
            store.heartbeat(node, clock.instant());
        } catch (RuntimeException e) {
            log.warn("the export heartbeat failed; trying again in {}", heartbeatEvery, e);
        }
    }

    private void run(ExportJob job) {
        Path directory = directory(job);
        try {
            PrivateFiles.directory(directory);
            ExportRequest request = job.request();
            List<ExportOutput> outputs = new ArrayList<>();
            Map<String, Object> deidentification = new java.util.TreeMap<>();
            // The cohort is read once for every type of the export, at its start: one read of the cohort per
            // export, whatever its types. A withdrawal during the run is honoured where data leaves: the download
            // reads the cohort again and leaves out every line no consent covers then.
            Map<String, List<CohortMember>> cohorts = null;
            for (int i = 0; i < request.types().size(); i++) {
                String type = request.types().get(i);
                String step = type + " (" + (i + 1) + " of " + request.types().size() + " types): ";
                stillOurs(job, step + "starting");
                // The permit is read again for every type: a revocation during a long export is honoured by the
                // rest of it.
                UsablePermit permit = permits.forUse(job.permitId(), job.researcher(), clock.instant())
                        .orElseThrow(PermitEndedException::new);
                if (cohorts == null) {
                    cohorts = broker.cohorts(permit, request.types());
                }
                long count = write(job, directory, permit, type, cohorts.get(type), step, deidentification);
                if (count == 0) {
                    Files.deleteIfExists(directory.resolve(type + DATA_SUFFIX));
                    Files.deleteIfExists(directory.resolve(type + KEYS_SUFFIX));
                } else {
                    outputs.add(new ExportOutput(type, count));
                }
            }
            if (!store.complete(job, outputs, deidentification, clock.instant())) {
                deleteDirectory(directory);
            }
        } catch (Throwable failure) {
            deleteDirectory(directory);
            if (!(failure instanceof NotOursException) && !closed
                    && store.fail(job, failure(job, failure), clock.instant())) {
                // Still ours, so no other run writes beside it: nothing of the job is kept.
                deleteDirectory(directory.getParent());
            }
        } finally {
            running.remove(job.id());
        }
    }

    /**
     * Writes one type's file. With {@code _since}, persons whose every consent the permit relies on began
     * after it are new to the researcher: all of their data goes, the rest only what the source changed since.
     */
    private long write(ExportJob job, Path directory, UsablePermit permit, String type, List<CohortMember> cohort,
                       String step, Map<String, Object> deidentification) throws IOException {
        ExportRequest request = job.request();
        String filter = request.typeFilters().get(type);
        List<Pass> passes = new ArrayList<>();
        if (request.since() == null) {
            passes.add(new Pass(cohort, ExportFilters.criteria(BrokeredTypes.of(type), filter, null)));
        } else {
            List<CohortMember> joined = cohort.stream().filter(m -> joinedAfter(m, request.since())).toList();
            List<CohortMember> earlier = cohort.stream().filter(m -> !joinedAfter(m, request.since())).toList();
            passes.add(new Pass(earlier, ExportFilters.criteria(BrokeredTypes.of(type), filter, request.since())));
            passes.add(new Pass(joined, ExportFilters.criteria(BrokeredTypes.of(type), filter, null)));
        }
        Pseudonymiser pseudonymiser = broker.pseudonymiser(permit);
        Set<String> elements = ExportFilters.elements(fhirContext, type, request.elements());
        long[] lines = {0};
        int[] patients = {0};
        Instant[] reported = {Instant.EPOCH};
        stillOurs(job, step + "0 of " + cohort.size() + " patients");
        // Health data and the pseudonym keys: readable by the operator's user only.
        try (BufferedWriter data = PrivateFiles.newWriter(directory.resolve(type + DATA_SUFFIX), StandardCharsets.UTF_8);
             BufferedWriter keys = PrivateFiles.newWriter(directory.resolve(type + KEYS_SUFFIX), StandardCharsets.UTF_8)) {
            for (Pass pass : passes) {
                if (pass.cohort().isEmpty()) {
                    continue;
                }
                broker.export(permit, pseudonymiser, type, pass.cohort(), pass.criteria(),
                        decided -> render(pseudonymiser, elements, decided), chunk -> {
                            if (Thread.currentThread().isInterrupted()) {
                                throw new NotOursException();
                            }
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
                            // At most once a second: the progress is also how the node learns of a DELETE elsewhere.
                            Instant now = clock.instant();
                            if (now.isAfter(reported[0].plusSeconds(1))) {
                                reported[0] = now;
                                stillOurs(job, step + patients[0] + " of " + cohort.size() + " patients");
                            }
                        });
            }
        }
        // What the release plan and the date rules changed, summed over the types; the plan's own figures.
        pseudonymiser.counts().toMap().forEach((name, n) ->
                deidentification.merge(name, n, (a, b) -> ((Number) a).longValue() + ((Number) b).longValue()));
        if (pseudonymiser.plan() != null) {
            deidentification.put("plan", pseudonymiser.plan().figures().toJson());
        }
        return lines[0];
    }

    private static boolean joinedAfter(CohortMember member, Instant since) {
        return member.grants().stream().allMatch(grant -> {
            Instant from = grant instanceof ConsentGrant consent ? consent.standing().validity().from()
                    : ((Inclusion) grant).since();
            return from != null && from.isAfter(since);
        });
    }

    private record Pass(List<CohortMember> cohort, SearchCriteria criteria) {
    }

    private void stillOurs(ExportJob job, String progress) {
        if (Thread.currentThread().isInterrupted() || !store.progress(job, progress, clock.instant())) {
            throw new NotOursException();
        }
    }

    /** A decided chunk as the lines of the data file and of the keys file. */
    private record Rendered(int patients, List<String> data, List<String> keys) {
    }

    /** Runs on the thread that read the chunk; a parser per chunk, since HAPI's parsers are not thread-safe. */
    private Rendered render(Pseudonymiser pseudonymiser, Set<String> elements, Broker.Decided decided) {
        IParser parser = fhirContext.newJsonParser();
        if (elements != null) {
            parser.setEncodeElements(elements);
        }
        List<String> data = new ArrayList<>(decided.released().size());
        List<String> keys = new ArrayList<>(decided.released().size());
        for (Released released : decided.released()) {
            data.add(parser.encodeResourceToString(released.resource()));
            keys.add(keyLine(pseudonymiser, released));
        }
        return new Rendered(decided.patients(), data, keys);
    }

    /** The run no longer owns its job: it was deleted, or taken up by another node; it stops and keeps nothing. */
    private static final class NotOursException extends RuntimeException {
        NotOursException() {
            super("not ours", null, false, false);
        }
    }

    private static final class PermitEndedException extends RuntimeException {
        PermitEndedException() {
            super("permit ended", null, false, false);
        }
    }

    /** What the status URL says of a failed job: a source's failure as such, anything else without detail. */
    private static ExportFailure failure(ExportJob job, Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && !(cause instanceof SourceUnavailableException)) {
            cause = cause.getCause();
        }
        if (cause instanceof SourceUnavailableException source) {
            return new ExportFailure(source.timedOut() ? 504 : 502,
                    source.getMessage() + " The export was stopped and nothing of it is kept.");
        }
        if (failure instanceof PermitEndedException) {
            return new ExportFailure(404, "No FHIR base at this address.");
        }
        String incident = UUID.randomUUID().toString();
        log.error("incident {}: export {} failed ({})", incident, job.id(),
                cause instanceof StoreException ? "database" : cause.getClass().getName(), failure);
        return new ExportFailure(500, "The export could not be completed; nothing of it is kept (incident "
                + incident + ").");
    }

    /**
     * Removes finished jobs past their retention, jobs whose permit is no longer usable, and directories
     * under the root that no job owns once they are older than the retention. Any node may sweep: each
     * removal is one that every node would make.
     */
    void sweep() {
        try {
            Instant now = clock.instant();
            Set<String> known = new java.util.HashSet<>();
            for (ExportJob job : store.all()) {
                boolean expired = job.finishedAt() != null && job.finishedAt().plus(retention).isBefore(now);
                if (expired || permits.forUse(job.permitId(), job.researcher(), now).isEmpty()) {
                    delete(job);
                } else {
                    known.add(job.id().toString());
                }
            }
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
                for (Path dir : dirs) {
                    if (!known.contains(dir.getFileName().toString())
                            && Files.getLastModifiedTime(dir).toInstant().plus(retention).isBefore(now)) {
                        deleteDirectory(dir);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("the export sweep failed; it runs again in {}", sweepEvery, e);
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

    /**
     * Stops this node's runs and lets go of their jobs, which another node (or this one, started again) takes
     * up at once; a job is never left looking as if it still ran.
     */
    @Override
    public void close() {
        closed = true;
        rounds.close();
        runner.shutdownNow();
        try {
            runner.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            int released = store.release(node);
            if (released > 0) {
                log.info("stopping: let go of {} running export(s); another node takes them up", released);
            }
        } catch (RuntimeException e) {
            log.warn("stopping: could not let go of the running exports; another node takes them up once they "
                    + "have been quiet for {}", QUIET_AFTER, e);
        }
    }
}
