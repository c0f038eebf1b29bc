package org.mydata.operator.representation;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Objects;

/**
 * The coming-of-age rule. A person comes of age at the start of the day of their {@code ageOfMajority}th
 * birthday in {@code zone} (Finland: 18, Guardianship Services Act 442/1999 s. 4; the guardian's custody ends
 * then, Child Custody and Right of Access Act 361/1983 s. 3). From that instant the consents their guardian gave
 * await the person's own decision; after {@code grace} without one they stop releasing data (the release
 * policy's refusal {@code AWAITING_OWN_DECISION}). A person born on 29 February comes of age on 28 February of a
 * year that has no 29th, as {@link LocalDate#plusYears} counts (the last day of the month, as the Finnish Act on
 * the Calculation of Statutory Time Limits 150/1930 counts a period that ends on a day the month lacks).
 */
public record ComingOfAge(int ageOfMajority, Duration grace, ZoneId zone) {
    public static final ComingOfAge DEFAULT = new ComingOfAge(18, Duration.ofDays(90), ZoneId.of("Europe/Helsinki"));

    public ComingOfAge {
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(zone, "zone");
        if (ageOfMajority < 1 || grace.isNegative()) {
            throw new IllegalArgumentException("the age of majority must be positive and the grace period not negative");
        }
    }

    /** The instant the person born on {@code birthDate} comes of age. */
    public Instant majorityAt(LocalDate birthDate) {
        return birthDate.plusYears(ageOfMajority).atStartOfDay(zone).toInstant();
    }

    /** When a guardian's consent stops releasing unless the person has decided: coming of age plus the grace. */
    public Instant ownDecisionDue(Instant majorityAt) {
        return majorityAt.plus(grace);
    }
}
