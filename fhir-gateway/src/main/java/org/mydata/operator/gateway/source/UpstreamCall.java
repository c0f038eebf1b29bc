package org.mydata.operator.gateway.source;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import org.mydata.operator.source.FhirSource;

/**
 * One piece of work against one source, with its deadline: when the deadline passes, or the caller gives the
 * work up, the HTTP request in progress is aborted, which closes its connection and so ends a blocked socket
 * read at once (interrupting the thread would not: a socket read does not heed interrupts). Requests started
 * after that fail at once. Made by {@link SourceClients#call}; close it when the work is over.
 */
public final class UpstreamCall implements AutoCloseable {

    /** Why the call ended before its work did. */
    enum Ending { DEADLINE, ABANDONED }

    private final FhirSource source;
    private final long deadlineNanos;
    private volatile ScheduledFuture<?> timer;
    private volatile SourceExchange exchange;
    private volatile Ending ending;

    UpstreamCall(FhirSource source, long deadlineNanos) {
        this.source = source;
        this.deadlineNanos = deadlineNanos;
    }

    public FhirSource source() {
        return source;
    }

    /** What is left of the call's time, never negative. */
    Duration remaining() {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    void timer(ScheduledFuture<?> timer) {
        this.timer = timer;
    }

    /** Null while the call runs its course. */
    Ending ending() {
        return ending;
    }

    /** The caller no longer wants the answer (another part of its read failed, or it gave up): stop now. */
    public void abandon() {
        end(Ending.ABANDONED);
    }

    void end(Ending why) {
        if (ending == null) {
            ending = why;
        }
        // Both fields are volatile and each side writes its own before it reads the other's, so an exchange
        // attached at the same moment is aborted by one side or the other.
        SourceExchange current = exchange;
        if (current != null) {
            current.abort();
        }
    }

    void attach(SourceExchange exchange) {
        this.exchange = exchange;
        if (ending != null) {
            exchange.abort();
        }
    }

    @Override
    public void close() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
    }
}
