package org.mydata.operator.api.representation;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Acting for another person, under {@code operator.representation.*} (docs/operating.md, Representation).
 *
 * @param registryUrl the registry of guardianships and mandates, asked over HTTP ({@link HttpRepresentationSource},
 *     docs/representation.md); unset: the embedded demo relations below
 * @param registryTimeout how long one question to the registry may take; later is refused (fail closed)
 * @param ageOfMajority the age at which a person comes of age and a guardian's right to act for them ends
 * @param ownDecisionGrace how long after coming of age a consent a guardian gave keeps releasing while it awaits the
 *     person's own decision
 * @param zone the zone in which a birthday begins
 * @param demo the embedded default's relations: each a demo person acting for another, by demo user name
 */
@ConfigurationProperties("operator.representation")
public record RepresentationProperties(URI registryUrl, @DefaultValue("5s") Duration registryTimeout,
                                       @DefaultValue("18") int ageOfMajority,
                                       @DefaultValue("90d") Duration ownDecisionGrace,
                                       @DefaultValue("Europe/Helsinki") ZoneId zone, List<Relation> demo) {
    public RepresentationProperties {
        demo = demo == null ? List.of(Relation.DEMO_GUARDIAN) : List.copyOf(demo);
    }

    /**
     * One demo relation.
     *
     * @param actor the demo user name of who acts
     * @param subject the demo user name of whom they act for
     * @param kind {@code guardian} or {@code mandate}
     * @param reference the relation's id, as a registry would give it
     * @param subjectName how the pages name the subject to the actor
     * @param subjectBirthDate for a guardian: the minor's date of birth
     * @param validUntil when the relation ends; unset while open-ended
     */
    public record Relation(String actor, String subject, @DefaultValue("guardian") String kind, String reference,
                           String subjectName, LocalDate subjectBirthDate, Instant validUntil) {
        /** The default demo: alice is the guardian of carol, a child born in 2015. */
        static final Relation DEMO_GUARDIAN = new Relation("alice", "carol", "guardian", "demo-guardianship-alice-carol",
                "Carol", LocalDate.parse("2015-06-01"), null);
    }
}
