package org.mydata.operator.failure;

import java.time.Duration;

/**
 * The caller has used up what a rule allows it in a period (a permit's statistical answers per day); it may ask
 * again after {@link #retryAfter()}. Nothing was done.
 */
public final class LimitReachedException extends OperatorException {
    private final String rule;
    private final Duration retryAfter;

    public LimitReachedException(String rule, String message, Duration retryAfter) {
        super(message);
        this.rule = rule;
        this.retryAfter = retryAfter;
    }

    public String rule() {
        return rule;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
