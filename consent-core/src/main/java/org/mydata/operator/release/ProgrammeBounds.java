package org.mydata.operator.release;

import org.mydata.operator.verify.release.AccessMode;

import java.util.List;
import java.util.Objects;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;

/**
 * What a programme's current terms allow, as far as a release cares: its purposes, data kinds and period, and
 * access modes. A narrowing amendment applies to everyone at once, so every permit is read within these
 * ({@link PermitTerms#within}); a widening one reaches no consent, because a release relies on the consent's own
 * signed terms (docs/amendments.md).
 */
public record ProgrammeBounds(List<Purpose> purposes, DataScope scope, List<AccessMode> accessModes) {
    public ProgrammeBounds {
        purposes = List.copyOf(purposes);
        Objects.requireNonNull(scope, "scope");
        // A programme that declares no modes offers both, as every programme did before access modes.
        accessModes = accessModes == null || accessModes.isEmpty() ? List.of(AccessMode.values())
                : List.copyOf(accessModes);
    }
}
