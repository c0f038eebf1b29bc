package org.mydata.operator.api.notify;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.mydata.operator.notify.PermitExpiries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Looks for expired permits on every node; {@link PermitExpiries} makes sure each is told of once. */
public final class ExpiryWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExpiryWatch.class);

    private final PermitExpiries expiries;
    private final Duration interval;
    private final Runnable written;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "permit-expiries");
        t.setDaemon(true);
        return t;
    });

    public ExpiryWatch(PermitExpiries expiries, Duration interval, Runnable written) {
        this.expiries = expiries;
        this.interval = interval;
        this.written = written;
    }

    public void start() {
        timer.scheduleWithFixedDelay(this::round, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void round() {
        try {
            if (expiries.notifyExpired() > 0) {
                written.run();
            }
        } catch (RuntimeException e) {
            log.warn("looking for expired permits failed; trying again in {}: {}", interval, e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
