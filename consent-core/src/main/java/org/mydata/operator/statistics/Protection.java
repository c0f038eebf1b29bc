package org.mydata.operator.statistics;

import java.util.Map;
import java.util.Objects;

/**
 * How an answer was protected, published with it so that anyone can see what the numbers went through.
 *
 * @param method     the disclosure-control method's name
 * @param threshold  the fewest persons a released cell counts
 * @param parameters everything else of the method, among them the perturbation tables verbatim
 */
public record Protection(String method, int threshold, Map<String, Object> parameters) {
    public Protection {
        Objects.requireNonNull(method, "method");
        parameters = Map.copyOf(parameters);
    }
}
