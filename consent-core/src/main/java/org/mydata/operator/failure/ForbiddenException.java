package org.mydata.operator.failure;

/**
 * The caller is who it says and may act on the object in general, but a rule forbids this act to it
 * (a steward deciding its own data request). The rule's name travels with it, so every edge can say which
 * rule refused, not just that something did.
 */
public final class ForbiddenException extends OperatorException {
    /** The requester of a data request, or anyone of its organisation, may not decide it. */
    public static final String SEPARATION_OF_DUTIES = "separation-of-duties";

    private final String rule;

    public ForbiddenException(String rule, String message) {
        super(message);
        this.rule = rule;
    }

    public String rule() {
        return rule;
    }
}
