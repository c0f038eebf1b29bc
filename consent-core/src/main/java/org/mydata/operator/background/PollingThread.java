package org.mydata.operator.background;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One daemon thread that runs rounds of background work: a round, then a wait of the poll interval that a
 * wake-up cuts short, or the next round at once when the last one says more is waiting. A failed round is
 * handed to the owner and the next one comes after the wait. Closing ends the wait and lets the round under
 * way finish. The log writer and the webhook deliveries each run on one.
 */
public final class PollingThread implements AutoCloseable {
    /** A round of work; true when more is probably waiting, so the next round should come at once. */
    @FunctionalInterface
    public interface Round {
        boolean run();
    }

    private final String name;
    private final Duration pollInterval;
    private final Round round;
    private final Consumer<RuntimeException> onFailure;
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean closed;
    private Thread thread;

    /** @param name the thread's name; {@code onFailure} hears of each round that threw while not closed */
    public PollingThread(String name, Duration pollInterval, Round round, Consumer<RuntimeException> onFailure) {
        this.name = Objects.requireNonNull(name, "name");
        this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
        this.round = Objects.requireNonNull(round, "round");
        this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
    }

    /** Starts the thread; a second call does nothing. */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException(name + " was closed");
        }
        if (thread == null) {
            thread = DaemonThreads.daemon(this::loop, name);
            thread.start();
        }
    }

    /** Asks for a round now rather than at the next poll. */
    public void wakeUp() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    /** Stops the thread and waits for the round under way, unless called from that round itself. */
    @Override
    public void close() {
        Thread running;
        synchronized (this) {
            closed = true;
            running = thread;
        }
        wakeUp();
        if (running != null && running != Thread.currentThread()) {
            try {
                running.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void loop() {
        while (!closed) {
            boolean more = false;
            try {
                more = round.run();
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                onFailure.accept(e);
            }
            if (more) {
                continue;
            }
            try {
                wake.tryAcquire(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
