package org.mydata.operator.background;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operator's background threads: daemons, so that none of them keeps a stopping JVM alive, and named, so
 * that a thread dump says whose each one is. Loops run on a {@link PollingThread}; pools and timers take their
 * threads from here.
 */
public final class DaemonThreads {
    private DaemonThreads() {
    }

    /** Every thread named {@code name}: for an executor of one thread. */
    public static ThreadFactory named(String name) {
        Objects.requireNonNull(name, "name");
        return runnable -> daemon(runnable, name);
    }

    /** Threads named {@code prefix} and a running number from 1: for a pool. */
    public static ThreadFactory numbered(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        AtomicInteger count = new AtomicInteger();
        return runnable -> daemon(runnable, prefix + count.incrementAndGet());
    }

    static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }
}
