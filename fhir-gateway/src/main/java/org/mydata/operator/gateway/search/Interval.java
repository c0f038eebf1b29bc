package org.mydata.operator.gateway.search;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.util.Date;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Type;

/**
 * The span of time a FHIR date value stands for, as epoch milliseconds, end exclusive: {@code 2021-03}
 * is all of March, a Period from start to end, a missing bound open. FHIR compares dates as such spans.
 */
public record Interval(long start, long end) {

    /** The span of a date-like element, or null when the element holds no date. */
    public static Interval of(Type value) {
        if (value instanceof BaseDateTimeType date && date.getValue() != null) {
            return of(date.getValue(), date.getPrecision());
        }
        if (value instanceof Period period && (period.hasStart() || period.hasEnd())) {
            long start = period.hasStart() ? period.getStartElement().getValue().getTime() : Long.MIN_VALUE;
            long end = period.hasEnd() ? of(period.getEndElement().getValue(), period.getEndElement().getPrecision()).end : Long.MAX_VALUE;
            return new Interval(start, end);
        }
        return null;
    }

    public static Interval of(Date value, TemporalPrecisionEnum precision) {
        return new Interval(value.getTime(), precision.add(value, 1).getTime());
    }

    public boolean contains(Interval other) {
        return start <= other.start && other.end <= end;
    }

    public boolean overlaps(Interval other) {
        return start < other.end && other.start < end;
    }
}
