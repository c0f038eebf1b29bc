package org.mydata.operator.programme;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.ConsentModes;
import org.mydata.operator.verify.release.ProgrammeVersions;

/**
 * The rules on amending a programme's terms, in plain Java: which way each change goes, and what a person's own
 * choices become when they accept a new version.
 *
 * <p>A change <em>narrows</em> when everything the new terms allow the old ones allowed too: a purpose, a data
 * kind, an access mode or a steward removed, a data period shortened, a promise added. It <em>widens</em> when
 * the new terms allow something the old did not: a purpose, data kind, access mode or steward added, a period
 * lengthened, a promise dropped, or a text the person read (the policy document, its version, the programme's
 * words in a language it offered) reworded: a changed text is never assumed to say less. Adding a language is
 * <em>neutral</em>: nobody signed the new text yet. An amendment widens when any of its changes does; it narrows
 * when none widens and one narrows.
 *
 * <p>What follows (docs/amendments.md): a narrowing applies to everyone at once (a release is judged against the
 * programme's current terms as well as the consent's own); a widening reaches only those who accept the new
 * version, because a release relies on the consent's own signed purposes, kinds, period and modes.
 */
public final class Amendments {
    private Amendments() {
    }

    /** Which way a change, or a whole amendment, goes. */
    public enum Direction {
        NARROWING, WIDENING, NEUTRAL;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Optional<Direction> fromWire(String wire) {
            for (Direction d : values()) {
                if (d.wire().equals(wire)) {
                    return Optional.of(d);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * One field's change.
     *
     * @param field   {@code purposes}, {@code resource_types}, {@code data_period}, {@code observation_categories},
     *                {@code access_modes}, {@code promises}, {@code stewards}, {@code terms_uri},
     *                {@code terms_version} or {@code texts}
     * @param added   what the new version names that the old did not (codes, type names, languages, or the new
     *                value of a single-valued field)
     * @param removed what the old version named that the new does not (or the old value)
     */
    public record Change(String field, Direction direction, List<String> added, List<String> removed) {
        public Change {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(direction, "direction");
            added = List.copyOf(added);
            removed = List.copyOf(removed);
        }

        Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("field", field);
            json.put("direction", direction.wire());
            json.put("added", added);
            json.put("removed", removed);
            return json;
        }

        @SuppressWarnings("unchecked")
        static Change fromJson(Map<String, Object> json) {
            return new Change((String) json.get("field"), Direction.fromWire((String) json.get("direction"))
                    .orElseThrow(), (List<String>) json.get("added"), (List<String>) json.get("removed"));
        }
    }

    /** An amendment's changes and the way it goes as a whole. */
    public record Assessment(Direction direction, List<Change> changes) {
        public Assessment {
            changes = List.copyOf(changes);
        }

        boolean changesNothing() {
            return changes.isEmpty();
        }

        public boolean widens() {
            return direction == Direction.WIDENING;
        }

        /**
         * permitver: whether a change widens what a release does not intersect (stewards, promises, texts,
         * Observation categories; {@link ProgrammeVersions}): then a permit issued under the new version reaches
         * no consent on an older one.
         */
        public boolean widensBeyondRelease() {
            return Amendments.widensBeyondRelease(changes);
        }
    }

    /** permitver: whether any of the changes widens beyond what a release intersects ({@link ProgrammeVersions}). */
    public static boolean widensBeyondRelease(List<Change> changes) {
        return changes.stream().anyMatch(c -> ProgrammeVersions.widensBeyondRelease(c.field(), c.direction().wire()));
    }

    /** Every change from {@code before} to {@code after}, and which way the amendment goes. */
    public static Assessment assess(ProgrammeTerms before, ProgrammeTerms after) {
        List<Change> changes = new ArrayList<>();
        purposes(before.purposes(), after.purposes()).ifPresent(changes::add);
        set("resource_types", before.scope().resourceTypes(), after.scope().resourceTypes(), Function.identity(),
                true).ifPresent(changes::add);
        period(before.scope(), after.scope()).ifPresent(changes::add);
        set("observation_categories", before.scope().releasedObservationCategories(),
                after.scope().releasedObservationCategories(), Function.identity(), true).ifPresent(changes::add);
        set("access_modes", ConsentModes.normalised(before.accessModes()),
                ConsentModes.normalised(after.accessModes()), AccessMode::wireName, true).ifPresent(changes::add);
        // More promises is less the programme may do: adding one narrows, dropping one widens.
        set("promises", before.promises(), after.promises(), Promise::code, false).ifPresent(changes::add);
        set("stewards", before.stewards(), after.stewards(), Function.identity(), true).ifPresent(changes::add);
        text("terms_uri", before.termsUri().toString(), after.termsUri().toString()).ifPresent(changes::add);
        text("terms_version", before.termsVersion(), after.termsVersion()).ifPresent(changes::add);
        texts(before.texts(), after.texts()).ifPresent(changes::add);
        Direction direction = changes.stream().anyMatch(c -> c.direction() == Direction.WIDENING) ? Direction.WIDENING
                : changes.stream().anyMatch(c -> c.direction() == Direction.NARROWING) ? Direction.NARROWING
                : Direction.NEUTRAL;
        return new Assessment(direction, changes);
    }

    private static Optional<Change> purposes(List<Purpose> before, List<Purpose> after) {
        List<String> added = after.stream().filter(p -> !before.contains(p)).map(Purpose::code).toList();
        List<String> removed = before.stream().filter(p -> !after.contains(p)).map(Purpose::code).toList();
        if (added.isEmpty() && removed.isEmpty()) {
            return Optional.empty();
        }
        // A purpose added is no widening when an old purpose already covered it (a narrower kind of research).
        boolean widens = after.stream().anyMatch(p -> before.stream().noneMatch(b -> b.covers(p)));
        return Optional.of(new Change("purposes", widens ? Direction.WIDENING : Direction.NARROWING, added, removed));
    }

    private static <T> Optional<Change> set(String field, List<T> before, List<T> after, Function<T, String> code,
                                            boolean addingWidens) {
        List<String> added = after.stream().filter(x -> !before.contains(x)).map(code).toList();
        List<String> removed = before.stream().filter(x -> !after.contains(x)).map(code).toList();
        if (added.isEmpty() && removed.isEmpty()) {
            return Optional.empty();
        }
        boolean widens = addingWidens ? !added.isEmpty() : !removed.isEmpty();
        return Optional.of(new Change(field, widens ? Direction.WIDENING : Direction.NARROWING, added, removed));
    }

    private static Optional<Change> period(DataScope before, DataScope after) {
        if (Objects.equals(before.dataFrom(), after.dataFrom()) && Objects.equals(before.dataUntil(), after.dataUntil())) {
            return Optional.empty();
        }
        boolean startInside = before.dataFrom() == null
                || (after.dataFrom() != null && !after.dataFrom().isBefore(before.dataFrom()));
        boolean endInside = before.dataUntil() == null
                || (after.dataUntil() != null && !after.dataUntil().isAfter(before.dataUntil()));
        return Optional.of(new Change("data_period", startInside && endInside ? Direction.NARROWING
                : Direction.WIDENING, List.of(periodText(after)), List.of(periodText(before))));
    }

    /** A period as {@code start..end}, an open end left empty. */
    static String periodText(DataScope scope) {
        return (scope.dataFrom() == null ? "" : scope.dataFrom().toString()) + ".."
                + (scope.dataUntil() == null ? "" : scope.dataUntil().toString());
    }

    private static Optional<Change> text(String field, String before, String after) {
        return before.equals(after) ? Optional.empty()
                : Optional.of(new Change(field, Direction.WIDENING, List.of(after), List.of(before)));
    }

    private static Optional<Change> texts(Map<Language, ProgrammeTexts> before, Map<Language, ProgrammeTexts> after) {
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        boolean reworded = false;
        for (Map.Entry<Language, ProgrammeTexts> entry : after.entrySet()) {
            ProgrammeTexts old = before.get(entry.getKey());
            if (old == null) {
                added.add(entry.getKey().tag());
            } else if (!old.equals(entry.getValue())) {
                reworded = true;
                added.add(entry.getKey().tag());
                removed.add(entry.getKey().tag());
            }
        }
        before.keySet().stream().filter(l -> !after.containsKey(l)).forEach(l -> removed.add(l.tag()));
        if (added.isEmpty() && removed.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Change("texts", reworded ? Direction.WIDENING : Direction.NEUTRAL, added, removed));
    }

    /**
     * A consent's own choices carried over to a new version the person accepts. Where the person took all the
     * old version offered (every purpose, every kind, its whole period, every mode), they take all the new one
     * offers; where they chose less, their choice stays, cut to what the new version still offers.
     *
     * @return empty when nothing of their choice is left under the new version (they must consent afresh)
     */
    public static Optional<Choices> carry(ProgrammeTerms before, ProgrammeTerms after, Choices own) {
        List<Purpose> purposes = same(own.purposes(), before.purposes()) ? after.purposes()
                : own.purposes().stream().filter(p -> after.purposes().stream().anyMatch(a -> a.covers(p))).toList();
        List<String> types = same(own.scope().resourceTypes(), before.scope().resourceTypes())
                ? after.scope().resourceTypes()
                : own.scope().resourceTypes().stream().filter(after.scope().resourceTypes()::contains).toList();
        LocalDate from = Objects.equals(own.scope().dataFrom(), before.scope().dataFrom()) ? after.scope().dataFrom()
                : later(own.scope().dataFrom(), after.scope().dataFrom());
        LocalDate until = Objects.equals(own.scope().dataUntil(), before.scope().dataUntil())
                ? after.scope().dataUntil() : earlier(own.scope().dataUntil(), after.scope().dataUntil());
        List<AccessMode> ownModes = ConsentModes.normalised(own.accessModes());
        List<AccessMode> modes = ownModes.equals(ConsentModes.normalised(before.accessModes()))
                ? ConsentModes.normalised(after.accessModes())
                : ConsentModes.normalised(ownModes.stream().filter(m -> m.isAllowedBy(after.accessModes())).toList());
        if (purposes.isEmpty() || types.isEmpty() || modes.isEmpty()
                || (from != null && until != null && until.isBefore(from))) {
            return Optional.empty();
        }
        return Optional.of(new Choices(purposes, new DataScope(types, from, until, own.scope().observationCategories()),
                modes));
    }

    /** What a person chose within a version's offer. */
    public record Choices(List<Purpose> purposes, DataScope scope, List<AccessMode> accessModes) {
        public Choices {
            purposes = List.copyOf(purposes);
            Objects.requireNonNull(scope, "scope");
            accessModes = List.copyOf(accessModes);
        }
    }

    private static <T> boolean same(List<T> a, List<T> b) {
        return new HashSet<>(a).equals(new HashSet<>(b));
    }

    private static LocalDate later(LocalDate a, LocalDate b) {
        return a == null ? b : b == null || a.isAfter(b) ? a : b;
    }

    private static LocalDate earlier(LocalDate a, LocalDate b) {
        return a == null ? b : b == null || a.isBefore(b) ? a : b;
    }

    /**
     * The lines of two texts as a person reads the difference: each line of {@code before} not in {@code after}
     * marked removed, each of {@code after} not in {@code before} marked added, the rest kept, in reading order
     * (a longest common subsequence of lines).
     */
    public static List<DiffLine> diff(String before, String after) {
        String[] a = before.split("\n");
        String[] b = after.split("\n");
        int[][] common = new int[a.length + 1][b.length + 1];
        for (int i = a.length - 1; i >= 0; i--) {
            for (int j = b.length - 1; j >= 0; j--) {
                common[i][j] = a[i].equals(b[j]) ? common[i + 1][j + 1] + 1
                        : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        List<DiffLine> lines = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.length || j < b.length) {
            if (i < a.length && j < b.length && a[i].equals(b[j])) {
                lines.add(new DiffLine(DiffLine.Kind.KEPT, a[i++]));
                j++;
            } else if (j < b.length && (i == a.length || common[i][j + 1] >= common[i + 1][j])) {
                lines.add(new DiffLine(DiffLine.Kind.ADDED, b[j++]));
            } else {
                lines.add(new DiffLine(DiffLine.Kind.REMOVED, a[i++]));
            }
        }
        return lines;
    }

    /** One line of a difference of two texts. */
    public record DiffLine(Kind kind, String text) {
        public enum Kind {
            KEPT, ADDED, REMOVED;

            public String wire() {
                return name().toLowerCase(Locale.ROOT);
            }
        }
    }
}
