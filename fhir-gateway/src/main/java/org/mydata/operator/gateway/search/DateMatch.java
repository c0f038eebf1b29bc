package org.mydata.operator.gateway.search;

import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import java.util.Objects;

/**
 * FHIR R4's date search prefixes, comparing the span a value stands for with the span the parameter names
 * (search.html, "date"): the one reading of {@code eq}, {@code ne}, {@code lt}, ... that the demo source and
 * the gateway's own date searches share.
 */
public final class DateMatch {
    private DateMatch() {
    }

    /** Whether a value spanning {@code value} matches the parameter; a value without a date never does. */
    public static boolean matches(Interval value, DateParam param) {
        if (value == null || param.getValue() == null) {
            return false;
        }
        Interval p = Interval.of(param.getValue(), param.getPrecision());
        ParamPrefixEnum prefix = Objects.requireNonNullElse(param.getPrefix(), ParamPrefixEnum.EQUAL);
        return switch (prefix) {
            case EQUAL -> p.contains(value);
            case NOT_EQUAL -> !p.contains(value);
            case GREATERTHAN -> value.end() > p.end();
            case LESSTHAN -> value.start() < p.start();
            case GREATERTHAN_OR_EQUALS -> value.end() > p.end() || p.contains(value);
            case LESSTHAN_OR_EQUALS -> value.start() < p.start() || p.contains(value);
            case STARTS_AFTER -> value.start() >= p.end();
            case ENDS_BEFORE -> value.end() <= p.start();
            case APPROXIMATE -> p.overlaps(value);
        };
    }
}
