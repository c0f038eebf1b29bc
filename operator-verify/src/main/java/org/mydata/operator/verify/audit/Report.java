package org.mydata.operator.verify.audit;

import java.util.List;
import java.util.Objects;

/**
 * What a verifier found: one {@link Check} per thing checked, in the order checked.
 *
 * @param subject what was audited, for the report's heading
 */
public record Report(String subject, List<Check> checks) {
    public Report {
        Objects.requireNonNull(subject, "subject");
        checks = List.copyOf(checks);
    }

    /** True when every check passed; a report that checked nothing proves nothing, so it is not ok. */
    public boolean ok() {
        return !checks.isEmpty() && checks.stream().allMatch(Check::passed);
    }

    public List<Check> failures() {
        return checks.stream().filter(c -> !c.passed()).toList();
    }
}
