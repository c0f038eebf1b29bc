package org.mydata.operator.verify.release;

import java.util.ArrayList;
import java.util.List;

/**
 * The release policy's rule on a person under an opt-out basis ({@link LegalBasis#isOptOut}): are they
 * <em>included</em> at {@code t}? They are when they hold a live service link to one of the programme's sources
 * and had no live opt-out of the programme then. Like {@link ConsentInForce}, it lives in the auditor's module so
 * the operator (through consent-core's {@code ReleasePolicy}) and both auditors judge by the very same rule.
 */
public final class OptOutInclusion {
    private OptOutInclusion() {
    }

    /** Every reason the person is not included; empty when they are. */
    public static List<Refusal> whyNot(boolean linked, boolean optedOut) {
        List<Refusal> refusals = new ArrayList<>(2);
        if (optedOut) {
            refusals.add(Refusal.OPTED_OUT);
        }
        if (!linked) {
            refusals.add(Refusal.NOT_LINKED);
        }
        return refusals;
    }
}
