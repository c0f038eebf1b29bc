package org.mydata.operator.api.web;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.mydata.operator.programme.Purpose;

/**
 * How a purpose a consent gave covers a purpose a permit uses, for a person to read: the steps up the DPV
 * hierarchy from the permit's purpose to the consent's ({@link Purpose#upTo}, the walk the release policy's
 * {@link Purpose#covers} makes). It explains a decision already taken; it decides nothing.
 *
 * @param steps from {@code wanted} up to {@code given}, both included; one step when they are the same
 */
public record PurposeCoverage(Purpose wanted, Purpose given, List<Purpose> steps) {
    public PurposeCoverage {
        steps = List.copyOf(steps);
    }

    /** One "is a kind of" link of the walk. */
    public record KindOf(Purpose narrower, Purpose broader) {
    }

    public boolean same() {
        return wanted == given;
    }

    public List<KindOf> kinds() {
        List<KindOf> kinds = new ArrayList<>();
        for (int i = 0; i + 1 < steps.size(); i++) {
            kinds.add(new KindOf(steps.get(i), steps.get(i + 1)));
        }
        return kinds;
    }

    /** The closest of the consent's purposes that covers {@code wanted}, if one does. */
    public static Optional<PurposeCoverage> of(Purpose wanted, Collection<Purpose> given) {
        if (wanted == null) {
            return Optional.empty();
        }
        return given.stream().map(g -> new PurposeCoverage(wanted, g, wanted.upTo(g)))
                .filter(c -> !c.steps().isEmpty()).min(Comparator.comparingInt(c -> c.steps().size()));
    }

    /** For each of the permit's purposes, how the consent covers it (the ones it does not cover are left out). */
    public static List<PurposeCoverage> of(Collection<Purpose> wanted, Collection<Purpose> given) {
        return wanted.stream().map(w -> of(w, given)).flatMap(Optional::stream).toList();
    }
}
