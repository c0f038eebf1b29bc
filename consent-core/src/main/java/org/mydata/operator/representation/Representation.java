package org.mydata.operator.representation;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Objects;
import org.mydata.operator.account.PersonIdentifier;

/**
 * A registry's statement that {@code actor} may act for {@code subject}: a guardian for a minor, or a mandate.
 * The person identifiers are personal data and never enter a signed record; the record names the
 * representation by {@code kind} and {@code reference} (the registry's id of the relation) and the instant it was
 * checked.
 *
 * @param subjectName      how the pages name the subject to the actor ("whose data you manage"); may be null
 * @param subjectBirthDate the subject's date of birth, given for a guardian's relation so the operator knows when
 *                         the minor comes of age; null for a mandate
 * @param validFrom        when the relation began; null when the registry does not say
 * @param validUntil       when it ends (exclusive); null while open-ended
 */
public record Representation(RepresentationKind kind, String reference, PersonIdentifier actor,
                             PersonIdentifier subject, String subjectName, LocalDate subjectBirthDate,
                             Instant validFrom, Instant validUntil) {
    public Representation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(subject, "subject");
        if (reference == null || reference.isBlank()) {
            throw new IllegalArgumentException("a representation needs the registry's reference");
        }
    }

    /** Whether it lets the actor act at {@code at}: begun, not ended. */
    public boolean isValidAt(Instant at) {
        return (validFrom == null || !at.isBefore(validFrom)) && (validUntil == null || at.isBefore(validUntil));
    }
}
