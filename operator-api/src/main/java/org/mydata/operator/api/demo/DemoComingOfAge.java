package org.mydata.operator.api.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * The demo's coming of age (docs/representation.md, Demo): {@value #GUARDIAN} is the guardian of {@value #CHILD},
 * a minor who comes of age {@code operator.embedded.demo-coming-of-age} (3 minutes by default) after the operator
 * first started on its data dir. At that first start the demo signs the guardian's consent for the child, truthfully
 * while the child is a minor ({@link DemoComingOfAgeSeeder}); once the instant passes, the child, signing in, is
 * told they came of age and decides on it themself.
 *
 * <p>A registry states when a guardianship's subject comes of age from the birth date (or, where it knows it, the
 * instant itself: {@link org.mydata.operator.representation.Representation#subjectComesOfAge()}); a birth date
 * cannot put a coming of age minutes away, so the demo's relation states the instant. It is kept in
 * {@code <data-dir>/}{@value #FILE} from the first start on: a restart does not make the child a minor again.
 *
 * @param comesOfAge the instant the child comes of age
 */
public record DemoComingOfAge(Instant comesOfAge) {
    public static final String GUARDIAN = "bob";
    public static final String CHILD = "dave";
    public static final String CHILD_NAME = "Dave";
    public static final String REFERENCE = "demo-guardianship-bob-dave";
    /** Where the instant is kept, in the data dir. */
    public static final String FILE = "demo-coming-of-age";

    public DemoComingOfAge {
        Objects.requireNonNull(comesOfAge, "comesOfAge");
    }

    /** The instant kept in the data dir, or (first start) {@code after} from now, then kept there. */
    static DemoComingOfAge keptIn(Path dataDir, Duration after, Clock clock) {
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                return new DemoComingOfAge(Instant.parse(Files.readString(file, StandardCharsets.UTF_8).strip()));
            }
            Instant at = clock.instant().plus(after).truncatedTo(ChronoUnit.SECONDS);
            Files.createDirectories(dataDir);
            Files.writeString(file, at + "\n", StandardCharsets.UTF_8);
            return new DemoComingOfAge(at);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or keep the demo's coming of age in " + file, e);
        } catch (DateTimeParseException e) {
            throw new IllegalStateException(file + " does not hold an instant; delete it to start the demo's "
                    + "coming of age again", e);
        }
    }
}
