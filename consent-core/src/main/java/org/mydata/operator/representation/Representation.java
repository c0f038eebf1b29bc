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
 * @param validUntil       when it ends (exclusive); null while open-ended. For a guardian this is when the
 *                         registry's relation ends, which is not always a coming of age (custody can move while
 *                         the child is a minor), so it never makes the guardian's consents await the subject
 * @param subjectComesOfAge for a guardian: the instant the minor comes of age, where the source states it (a
 *                         registry that knows it, or the embedded demo's child who comes of age minutes after the
 *                         operator starts); null when only the birth date says. {@link #comesOfAge} takes the
 *                         earlier of the two
 */
public record Representation(RepresentationKind kind, String reference, PersonIdentifier actor,
                             PersonIdentifier subject, String subjectName, LocalDate subjectBirthDate,
                             Instant validFrom, Instant validUntil, Instant subjectComesOfAge) {
    public Representation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(subject, "subject");
        if (reference == null || reference.isBlank()) {
            throw new IllegalArgumentException("a representation needs the registry's reference");
        }
    }

    /** A representation whose subject's coming of age only the birth date (if any) tells. */
    public Representation(RepresentationKind kind, String reference, PersonIdentifier actor, PersonIdentifier subject,
                          String subjectName, LocalDate subjectBirthDate, Instant validFrom, Instant validUntil) {
        this(kind, reference, actor, subject, subjectName, subjectBirthDate, validFrom, validUntil, null);
    }

    /**
     * For a guardian of a minor: the instant the minor comes of age, when the guardian's right to act ends and the
     * consents they gave come to await the person's own decision. The earlier of the instant the source states
     * and the rule applied to the birth date (whichever is given: the operator never lets a guardian act longer
     * than either says); null when neither is given, and for a mandate.
     */
    public Instant comesOfAge(ComingOfAge rule) {
        if (kind != RepresentationKind.GUARDIAN) {
            return null;
        }
        Instant byBirthDate = subjectBirthDate == null ? null : rule.majorityAt(subjectBirthDate);
        if (byBirthDate == null || subjectComesOfAge == null) {
            return byBirthDate != null ? byBirthDate : subjectComesOfAge;
        }
        return subjectComesOfAge.isBefore(byBirthDate) ? subjectComesOfAge : byBirthDate;
    }

    /** Whether it lets the actor act at {@code at}: begun, not ended. */
    public boolean isValidAt(Instant at) {
        return (validFrom == null || !at.isBefore(validFrom)) && (validUntil == null || at.isBefore(validUntil));
    }
}
