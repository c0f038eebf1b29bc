package org.mydata.operator.gateway.source;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.mydata.operator.background.DaemonThreads;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.gateway.GatewaySettings;
import org.mydata.operator.source.FhirSource;

/**
 * Where the gateway's reads of sources run: a bulkhead per source, that is threads of its own (at most
 * {@link GatewaySettings#sourceConcurrency()}) and a bounded queue ({@link GatewaySettings#sourceQueue()}), so
 * that a slow source ties up only its own threads and requests for other sources never wait behind it. A read
 * that finds its source's bulkhead full fails at once with a timeout (504) instead of queueing. Every read has a
 * deadline that closes its connection, and cancelling a read's future does the same, so no thread goes on
 * reading after the caller gave up. One per process.
 */
public final class UpstreamReads implements AutoCloseable {
    /** How long an idle bulkhead thread is kept: sources idle most of the time hold no threads. */
    private static final Duration IDLE = Duration.ofSeconds(60);

    private final SourceClients clients;
    private final GatewaySettings settings;
    private final Map<UUID, ThreadPoolExecutor> bulkheads = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public UpstreamReads(SourceClients clients) {
        this.clients = clients;
        this.settings = clients.settings();
    }

    /** The most reads of one source that run at once: a caller asks no more of one source than this at a time. */
    public int concurrencyPerSource() {
        return settings.sourceConcurrency();
    }

    /**
     * Runs {@code work} on the source's bulkhead under a call that ends {@code within} from now. Fails (the future
     * holds a {@link SourceUnavailableException}) at once when the bulkhead is full, and when the deadline passed
     * before the work got a thread. Cancelling the future abandons the call: the work's connection is closed.
     */
    public <T> Future<T> submit(FhirSource source, Duration within, Function<UpstreamCall, T> work) {
        UpstreamCall call = clients.call(source, within);
        ThreadPoolExecutor bulkhead = bulkhead(source);
        Read<T> read = new Read<>(bulkhead, call, () -> {
            if (call.ending() != null) {
                throw clients.timedOut(source, null);
            }
            return work.apply(call);
        });
        try {
            bulkhead.execute(read);
        } catch (RejectedExecutionException full) {
            read.fail(HapiPatientLookup.failed(source, closed ? "cannot be read: the gateway is shutting down"
                    : "is busy: it is already answering " + bulkhead.getActiveCount() + " reads and "
                    + bulkhead.getQueue().size() + " more wait for it; try again later", null, true));
        }
        return read;
    }

    /** Reads of the source running now: what a slow source holds. For monitoring and tests. */
    public int running(UUID sourceId) {
        ThreadPoolExecutor bulkhead = bulkheads.get(sourceId);
        return bulkhead == null ? 0 : bulkhead.getActiveCount();
    }

    /** Reads waiting for a turn at the source. For monitoring and tests. */
    public int waiting(UUID sourceId) {
        ThreadPoolExecutor bulkhead = bulkheads.get(sourceId);
        return bulkhead == null ? 0 : bulkhead.getQueue().size();
    }

    private ThreadPoolExecutor bulkhead(FhirSource source) {
        return bulkheads.computeIfAbsent(source.id(), id -> {
            String name = "gateway-upstream-" + id.toString().substring(0, 8) + "-";
            BlockingQueue<Runnable> queue = settings.sourceQueue() == 0
                    ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(settings.sourceQueue());
            ThreadPoolExecutor executor = new ThreadPoolExecutor(settings.sourceConcurrency(),
                    settings.sourceConcurrency(), IDLE.toSeconds(), TimeUnit.SECONDS, queue,
                    DaemonThreads.numbered(name));
            executor.allowCoreThreadTimeOut(true);
            if (closed) {
                executor.shutdown();
            }
            return executor;
        });
    }

    @Override
    public void close() {
        closed = true;
        bulkheads.values().forEach(ThreadPoolExecutor::shutdownNow);
    }

    /** A read whose cancellation closes its connection and gives its place in the queue back. */
    private static final class Read<T> extends FutureTask<T> {
        private final ThreadPoolExecutor bulkhead;
        private final UpstreamCall call;

        Read(ThreadPoolExecutor bulkhead, UpstreamCall call, java.util.concurrent.Callable<T> work) {
            super(work);
            this.bulkhead = bulkhead;
            this.call = call;
        }

        void fail(Throwable failure) {
            setException(failure);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (isDone()) {
                return false;
            }
            call.abandon();
            bulkhead.remove(this);
            return super.cancel(mayInterruptIfRunning);
        }

        @Override
        protected void done() {
            call.close();
        }
    }
}
