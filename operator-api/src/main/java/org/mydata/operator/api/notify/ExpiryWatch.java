package org.mydata.operator.api.notify;

import java.time.Duration;
import org.mydata.operator.background.PollingThread;
import org.mydata.operator.notify.PermitExpiries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Looks for expired permits on every node; {@link PermitExpiries} makes sure each is told of once. */
public final class ExpiryWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExpiryWatch.class);

    private final PollingThread rounds;

    public ExpiryWatch(PermitExpiries expiries, Duration interval, Runnable written) {
        this.rounds = new PollingThread("permit-expiries", interval, () -> {
            if (expiries.notifyExpired() > 0) {
                written.run();
            }
            return false;
        }, e -> log.warn("looking for expired permits failed; trying again in {}: {}", interval, e.toString()));
    }

    public void start() {
        rounds.start();
    }

    @Override
    public void close() {
        rounds.close();
    }
}
