package org.mydata.operator.release;

import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.ConsentInForce;
import org.mydata.operator.verify.release.ConsentModes;
import org.mydata.operator.verify.release.LegalBasis;
import org.mydata.operator.verify.release.Refusal;
import org.mydata.operator.verify.release.Standing;
import org.mydata.operator.verify.release.Validity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mydata.operator.verify.consent.ConsentStatus.ACTIVE;
import static org.mydata.operator.verify.consent.ConsentStatus.PAUSED;
import static org.mydata.operator.verify.consent.ConsentStatus.WITHDRAWN;
import static org.mydata.operator.programme.Purpose.ACADEMIC_RESEARCH;
import static org.mydata.operator.programme.Purpose.COMMERCIAL_RESEARCH;
import static org.mydata.operator.programme.Purpose.DATA_ALTRUISM;
import static org.mydata.operator.programme.Purpose.HEALTHCARE_SCIENTIFIC_RESEARCH;
import static org.mydata.operator.programme.Purpose.RESEARCH_AND_DEVELOPMENT;
import static org.mydata.operator.programme.Purpose.SCIENTIFIC_RESEARCH;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;

/** The release policy's rules, one row per case, including every case the five old copies disagreed on. */
class ReleasePolicyTest {
    static final Instant T = Instant.parse("2025-03-01T10:00:00Z");
    static final List<AccessMode> BOTH = List.of(AccessMode.STATISTICS, AccessMode.RECORDS);
    static final LocalDate DAY = LocalDate.parse("2020-06-15");
    static final DataScope Y2020 = new DataScope(List.of("Observation", "Patient"), LocalDate.parse("2020-01-01"),
            LocalDate.parse("2020-12-31"));

    /** A consent with the given changes to the one that releases everything the permit below asks for. */
    record C(ConsentStatus status, Instant from, Instant until, boolean linked, List<Purpose> purposes,
             DataScope scope, List<AccessMode> modes) {
        static C fine() {
            return new C(ACTIVE, T.minus(Duration.ofDays(1)), null, true, List.of(SCIENTIFIC_RESEARCH),
                    DataScope.ofTypes(List.of("Observation", "Patient")), BOTH);
        }

        C status(ConsentStatus s) {
            return new C(s, from, until, linked, purposes, scope, modes);
        }

        C from(Instant f) {
            return new C(status, f, until, linked, purposes, scope, modes);
        }

        C until(Instant u) {
            return new C(status, from, u, linked, purposes, scope, modes);
        }

        C unlinked() {
            return new C(status, from, until, false, purposes, scope, modes);
        }

        C purposes(Purpose... p) {
            return new C(status, from, until, linked, List.of(p), scope, modes);
        }

        C scope(DataScope s) {
            return new C(status, from, until, linked, purposes, s, modes);
        }

        C modes(AccessMode... m) {
            return new C(status, from, until, linked, purposes, scope, List.of(m));
        }

        ConsentGrant grant(UUID id) {
            return grant(id, 1);
        }

        /** permitver: the consent signed on this version of the programme. */
        ConsentGrant grant(UUID id, int version) {
            return new ConsentGrant(id, ACCOUNT, purposes, scope, modes, version, new Standing(status,
                    new Validity(from, until), linked));
        }
    }

    static final UUID ACCOUNT = UUID.randomUUID();
    static final UUID FIRST = UUID.fromString("00000000-0000-0000-0000-000000000001");
    static final UUID SECOND = UUID.fromString("00000000-0000-0000-0000-000000000002");

    static PermitTerms permit() {
        return permit(List.of(ACADEMIC_RESEARCH), DataScope.ofTypes(List.of("Observation", "Patient", "Condition")),
                false, T.plus(Duration.ofDays(365)));
    }

    static PermitTerms permit(List<Purpose> purposes, DataScope scope, boolean revoked, Instant until) {
        return new PermitTerms(UUID.randomUUID(), purposes, scope, new Validity(T.minus(Duration.ofDays(1)), until),
                revoked, LegalBasis.CONSENT, AccessMode.RECORDS);
    }

    static PermitTerms permitIn(AccessMode mode) {
        PermitTerms p = permit();
        return new PermitTerms(p.permitId(), p.purposes(), p.scope(), p.validity(), false, LegalBasis.CONSENT, mode);
    }

    static PermitTerms permitFor(Purpose purpose) {
        return permit(List.of(purpose), permit().scope(), false, T.plus(Duration.ofDays(365)));
    }

    /** Expected: the index of the consent it leaves under, or the refusal. */
    static Arguments row(String name, PermitTerms permit, List<C> consents, String type, LocalDate day, Instant at,
                         Object expected) {
        return Arguments.of(name, permit, consents, type, day, at, expected);
    }

    static Stream<Arguments> cases() {
        C fine = C.fine();
        return Stream.of(
                row("a consent in force releases", permit(), List.of(fine), "Observation", DAY, T, 0),
                row("valid_from in the future", permit(), List.of(fine.from(T.plusSeconds(1))), "Observation", DAY, T,
                        Refusal.CONSENT_NOT_YET_VALID),
                row("valid_from exactly at the instant (inclusive)", permit(), List.of(fine.from(T)), "Observation",
                        DAY, T, 0),
                row("valid_from later in the same second (whole seconds)", permit(),
                        List.of(fine.from(T.plusMillis(700))), "Observation", DAY, T.plusMillis(200), 0),
                row("valid_until exactly at the instant (exclusive)", permit(), List.of(fine.until(T)), "Observation",
                        DAY, T, Refusal.CONSENT_EXPIRED),
                row("valid_until a second later", permit(), List.of(fine.until(T.plusSeconds(1))), "Observation", DAY,
                        T, 0),
                row("valid_until later in the same second (whole seconds)", permit(),
                        List.of(fine.until(T.plusMillis(700))), "Observation", DAY, T.plusMillis(200),
                        Refusal.CONSENT_EXPIRED),
                row("paused", permit(), List.of(fine.status(PAUSED)), "Observation", DAY, T, Refusal.PAUSED),
                row("withdrawn", permit(), List.of(fine.status(WITHDRAWN)), "Observation", DAY, T, Refusal.WITHDRAWN),
                row("no status yet", permit(), List.of(fine.status(null)), "Observation", DAY, T, Refusal.NO_STATUS),
                row("no live link", permit(), List.of(fine.unlinked()), "Observation", DAY, T, Refusal.NO_LIVE_LINK),
                row("a broader purpose covers a narrower permit", permitFor(ACADEMIC_RESEARCH),
                        List.of(fine.purposes(RESEARCH_AND_DEVELOPMENT)), "Observation", DAY, T, 0),
                row("a sibling's parent covers health research", permitFor(HEALTHCARE_SCIENTIFIC_RESEARCH),
                        List.of(fine.purposes(SCIENTIFIC_RESEARCH)), "Observation", DAY, T, 0),
                row("a narrower purpose does not cover a broader permit", permitFor(SCIENTIFIC_RESEARCH),
                        List.of(fine.purposes(ACADEMIC_RESEARCH)), "Observation", DAY, T, Refusal.PURPOSE_NOT_COVERED),
                row("a sibling purpose does not cover", permitFor(COMMERCIAL_RESEARCH),
                        List.of(fine.purposes(ACADEMIC_RESEARCH)), "Observation", DAY, T, Refusal.PURPOSE_NOT_COVERED),
                row("another branch does not cover", permitFor(ACADEMIC_RESEARCH),
                        List.of(fine.purposes(DATA_ALTRUISM)), "Observation", DAY, T, Refusal.PURPOSE_NOT_COVERED),
                row("every purpose of the permit must be covered",
                        permit(List.of(ACADEMIC_RESEARCH, DATA_ALTRUISM), permit().scope(), false, T.plusSeconds(60)),
                        List.of(fine), "Observation", DAY, T, Refusal.PURPOSE_NOT_COVERED),
                row("type outside the consent's scope", permit(), List.of(fine), "Condition", DAY, T,
                        Refusal.TYPE_OUTSIDE_CONSENT),
                row("type outside the permit's scope", permit(), List.of(fine), "MedicationRequest", DAY, T,
                        Refusal.TYPE_OUTSIDE_PERMIT),
                row("day inside the consent's data period", permit(), List.of(fine.scope(Y2020)), "Observation", DAY,
                        T, 0),
                row("day on the data period's last day (inclusive)", permit(), List.of(fine.scope(Y2020)),
                        "Observation", LocalDate.parse("2020-12-31"), T, 0),
                row("day outside the consent's data period", permit(), List.of(fine.scope(Y2020)), "Observation",
                        LocalDate.parse("2021-01-01"), T, Refusal.DAY_OUTSIDE_CONSENT_PERIOD),
                row("day absent under a consent with a data period", permit(), List.of(fine.scope(Y2020)),
                        "Observation", null, T, Refusal.UNDATED_UNDER_CONSENT_PERIOD),
                row("day absent under a consent without one", permit(), List.of(fine), "Observation", null, T, 0),
                row("Patient without a day under a consent's data period", permit(), List.of(fine.scope(Y2020)),
                        "Patient", null, T, 0),
                row("Patient without a day under a permit's data period",
                        permit(List.of(ACADEMIC_RESEARCH), Y2020, false, T.plusSeconds(60)), List.of(fine), "Patient",
                        null, T, 0),
                row("Patient still needs a consent in force", permit(), List.of(fine.status(PAUSED)), "Patient", null,
                        T, Refusal.PAUSED),
                row("day outside the permit's data period",
                        permit(List.of(ACADEMIC_RESEARCH), Y2020, false, T.plusSeconds(60)), List.of(fine),
                        "Observation", LocalDate.parse("2019-12-31"), T, Refusal.DAY_OUTSIDE_PERMIT_PERIOD),
                row("day absent under a permit's data period",
                        permit(List.of(ACADEMIC_RESEARCH), Y2020, false, T.plusSeconds(60)), List.of(fine),
                        "Observation", null, T, Refusal.UNDATED_UNDER_PERMIT_PERIOD),
                row("a revoked permit", permit(List.of(ACADEMIC_RESEARCH), permit().scope(), true, T.plusSeconds(60)),
                        List.of(fine), "Observation", DAY, T, Refusal.PERMIT_REVOKED),
                row("a permit whose validity ended at the instant",
                        permit(List.of(ACADEMIC_RESEARCH), permit().scope(), false, T), List.of(fine), "Observation",
                        DAY, T, Refusal.PERMIT_EXPIRED),
                row("nobody's consent", permit(), List.of(), "Observation", DAY, T, Refusal.NO_CONSENT),
                row("the second consent when the first is paused", permit(), List.of(fine.status(PAUSED), fine),
                        "Observation", DAY, T, 1),
                row("the second consent when the first's period misses the day", permit(),
                        List.of(fine.scope(Y2020), fine), "Observation", LocalDate.parse("2023-05-05"), T, 1),
                row("the first consent's reason when none covers", permit(),
                        List.of(fine.status(WITHDRAWN), fine.unlinked()), "Observation", DAY, T, Refusal.WITHDRAWN),
                row("modes: a records permit, a consent to statistics and records", permitIn(AccessMode.RECORDS),
                        List.of(fine), "Observation", DAY, T, 0),
                row("modes: a records permit, a consent naming records alone (they bring statistics)",
                        permitIn(AccessMode.RECORDS), List.of(fine.modes(AccessMode.RECORDS)), "Observation", DAY, T,
                        0),
                row("modes: a records permit, a statistics-only consent", permitIn(AccessMode.RECORDS),
                        List.of(fine.modes(AccessMode.STATISTICS)), "Observation", DAY, T, Refusal.MODE_NOT_ALLOWED),
                row("modes: a records permit, a statistics-only consent, for the Patient too",
                        permitIn(AccessMode.RECORDS), List.of(fine.modes(AccessMode.STATISTICS)), "Patient", null, T,
                        Refusal.MODE_NOT_ALLOWED),
                row("modes: a statistics permit, a statistics-only consent", permitIn(AccessMode.STATISTICS),
                        List.of(fine.modes(AccessMode.STATISTICS)), "Observation", DAY, T, 0),
                row("modes: a statistics permit, a consent to statistics and records", permitIn(AccessMode.STATISTICS),
                        List.of(fine), "Observation", DAY, T, 0),
                row("modes: a statistics permit, a consent before access modes (both)", permitIn(AccessMode.STATISTICS),
                        List.of(fine.modes(ConsentModes.BEFORE_ACCESS_MODES.toArray(AccessMode[]::new))), "Observation",
                        DAY, T, 0),
                row("modes: a statistics permit still needs the consent in force", permitIn(AccessMode.STATISTICS),
                        List.of(fine.modes(AccessMode.STATISTICS).status(PAUSED)), "Observation", DAY, T,
                        Refusal.PAUSED),
                row("modes: the mode does not widen the purposes", permitIn(AccessMode.STATISTICS),
                        List.of(fine.purposes(DATA_ALTRUISM)), "Observation", DAY, T, Refusal.PURPOSE_NOT_COVERED),
                row("modes: a records permit passes a statistics-only consent for the next",
                        permitIn(AccessMode.RECORDS), List.of(fine.modes(AccessMode.STATISTICS), fine), "Observation", DAY, T, 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(String name, PermitTerms permit, List<C> consents, String type, LocalDate day, Instant at,
                 Object expected) {
        List<ConsentGrant> grants = new java.util.ArrayList<>();
        for (int i = 0; i < consents.size(); i++) {
            grants.add(consents.get(i).grant(i == 0 ? FIRST : SECOND));
        }

        Decision decision = ReleasePolicy.decide(permit, grants, type, day, at);

        if (expected instanceof Integer index) {
            assertThat(decision).isEqualTo(new Decision.Release(grants.get(index)));
        } else {
            assertThat(decision).isEqualTo(new Decision.Refuse((Refusal) expected));
        }
    }

    static PermitTerms optOutPermit(LegalBasis basis, DataScope scope, boolean revoked) {
        return new PermitTerms(UUID.randomUUID(), List.of(ACADEMIC_RESEARCH), scope,
                new Validity(T.minus(Duration.ofDays(1)), T.plus(Duration.ofDays(365))), revoked, basis,
                AccessMode.RECORDS);
    }

    static Arguments grantRow(String name, PermitTerms permit, List<Grant> grants, String type, LocalDate day,
                              Instant at, Object expected) {
        return Arguments.of(name, permit, grants, type, day, at, expected);
    }

    static PermitTerms ehds() {
        return optOutPermit(LegalBasis.EHDS_SECONDARY_USE, permit().scope(), false);
    }

    static Inclusion included() {
        return new Inclusion(FIRST, ACCOUNT, true, false, T.minus(Duration.ofDays(1)));
    }

    static Inclusion optedOut() {
        return new Inclusion(FIRST, ACCOUNT, true, true, T.minus(Duration.ofDays(1)));
    }

    static Inclusion unlinked() {
        return new Inclusion(FIRST, ACCOUNT, false, false, T.minus(Duration.ofDays(1)));
    }

    /** The same table's shape for both bases: which grant it leaves under (its index), or the refusal. */
    static Stream<Arguments> bothBases() {
        ConsentGrant consent = C.fine().grant(SECOND);
        return Stream.of(
                grantRow("opt-out: a linked person who did not opt out is included", ehds(), List.<Grant>of(included()),
                        "Observation", DAY, T, 0),
                grantRow("opt-out: public interest includes the same way",
                        optOutPermit(LegalBasis.PUBLIC_INTEREST, permit().scope(), false), List.<Grant>of(included()),
                        "Observation", DAY, T, 0),
                grantRow("opt-out: a live opt-out excludes", ehds(), List.<Grant>of(optedOut()), "Observation", DAY, T,
                        Refusal.OPTED_OUT),
                grantRow("opt-out: the Patient resource too", ehds(), List.<Grant>of(optedOut()), "Patient", null, T,
                        Refusal.OPTED_OUT),
                grantRow("opt-out: a removed link excludes", ehds(), List.<Grant>of(unlinked()), "Observation", DAY, T,
                        Refusal.NOT_LINKED),
                grantRow("opt-out: nobody linked", ehds(), List.<Grant>of(), "Observation", DAY, T, Refusal.NOT_LINKED),
                grantRow("opt-out: a consent is not what it rests on", ehds(), List.<Grant>of(consent), "Observation", DAY, T,
                        Refusal.BASIS_MISMATCH),
                grantRow("consent: an inclusion is not what it rests on", permit(), List.<Grant>of(included()), "Observation",
                        DAY, T, Refusal.BASIS_MISMATCH),
                grantRow("consent: the consent when an inclusion comes first", permit(), List.<Grant>of(included(), consent),
                        "Observation", DAY, T, 1),
                grantRow("opt-out: a revoked permit", optOutPermit(LegalBasis.EHDS_SECONDARY_USE, permit().scope(), true),
                        List.<Grant>of(included()), "Observation", DAY, T, Refusal.PERMIT_REVOKED),
                grantRow("opt-out: type outside the permit", ehds(), List.<Grant>of(included()), "MedicationRequest", DAY, T,
                        Refusal.TYPE_OUTSIDE_PERMIT),
                grantRow("opt-out: the permit's data period still holds",
                        optOutPermit(LegalBasis.EHDS_SECONDARY_USE, Y2020, false), List.<Grant>of(included()), "Observation",
                        LocalDate.parse("2021-01-01"), T, Refusal.DAY_OUTSIDE_PERMIT_PERIOD),
                grantRow("opt-out: an undated resource under the permit's data period",
                        optOutPermit(LegalBasis.EHDS_SECONDARY_USE, Y2020, false), List.<Grant>of(included()), "Observation",
                        null, T, Refusal.UNDATED_UNDER_PERMIT_PERIOD),
                grantRow("opt-out: an inclusion has no data period of its own", ehds(), List.<Grant>of(included()), "Observation",
                        null, T, 0),
                grantRow("opt-out: a statistics permit includes as a records permit does",
                        new PermitTerms(UUID.randomUUID(), List.of(ACADEMIC_RESEARCH), permit().scope(),
                                new Validity(T.minus(Duration.ofDays(1)), T.plus(Duration.ofDays(365))), false,
                                LegalBasis.EHDS_SECONDARY_USE, AccessMode.STATISTICS),
                        List.<Grant>of(included()), "Observation", DAY, T, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bothBases")
    void decidesUnderEitherBasis(String name, PermitTerms permit, List<Grant> grants, String type, LocalDate day,
                                 Instant at, Object expected) {
        Decision decision = ReleasePolicy.decide(permit, grants, type, day, at);

        if (expected instanceof Integer index) {
            assertThat(decision).isEqualTo(new Decision.Release(grants.get(index)));
        } else {
            assertThat(decision).isEqualTo(new Decision.Refuse((Refusal) expected));
        }
    }

    /** permitver: the permit reaching consents from version 3 on (an amendment to 3 widened a steward, say). */
    static PermitTerms permitReachingFrom(int oldest) {
        PermitTerms p = permit();
        return new PermitTerms(p.permitId(), p.purposes(), p.scope(), p.validity(), false, LegalBasis.CONSENT,
                p.mode(), null, oldest);
    }

    @Test
    void aPermitReachesOnlyConsentsOnVersionsNoWideningBeyondAReleaseLeftBehind() {
        PermitTerms fromV3 = permitReachingFrom(3);
        assertThat(ReleasePolicy.whyNotReliable(C.fine().grant(FIRST, 2), fromV3, "Observation", T))
                .containsExactly(Refusal.WIDENING_NOT_ACCEPTED);
        assertThat(ReleasePolicy.whyNotReliable(C.fine().grant(FIRST, 3), fromV3, "Observation", T)).isEmpty();
        assertThat(ReleasePolicy.whyNotReliable(C.fine().grant(FIRST, 4), fromV3, "Observation", T)).isEmpty();
        // The Patient resource too: the person themself is not reached by terms they did not accept.
        assertThat(ReleasePolicy.decide(fromV3, List.of(C.fine().grant(FIRST, 1)), "Patient", null, T))
                .isEqualTo(new Decision.Refuse(Refusal.WIDENING_NOT_ACCEPTED));
        // The first consent that may be relied on is: the person's re-consent on the new version.
        ConsentGrant reconsented = C.fine().grant(SECOND, 3);
        assertThat(ReleasePolicy.decide(fromV3, List.of(C.fine().grant(FIRST, 1), reconsented), "Observation", DAY,
                T)).isEqualTo(new Decision.Release(reconsented));
        // A permit read within its programme's current terms keeps its reach.
        assertThat(fromV3.within(new ProgrammeBounds(List.of(SCIENTIFIC_RESEARCH), fromV3.scope(), BOTH))
                .oldestConsentVersion()).isEqualTo(3);
    }

    @Test
    void everyReasonAPersonIsNotIncludedIsNamedForTheAuditors() {
        assertThat(ReleasePolicy.whyNotReliable(new Inclusion(FIRST, ACCOUNT, false, true, null), ehds(),
                "Observation", T)).containsExactly(Refusal.OPTED_OUT, Refusal.NOT_LINKED);
        assertThat(ReleasePolicy.whyNotReliable(included(), ehds(), "Observation", T)).isEmpty();
    }

    @Test
    void everyReasonAConsentIsNotInForceIsNamedForTheAuditors() {
        Standing worst = new Standing(WITHDRAWN, new Validity(T.minusSeconds(10), T), false);
        assertThat(ConsentInForce.whyNotInForce(worst, T)).containsExactly(Refusal.WITHDRAWN,
                Refusal.CONSENT_EXPIRED, Refusal.NO_LIVE_LINK);
        assertThat(ConsentInForce.whyNotInForce(new Standing(ACTIVE, new Validity(T, null), true), T)).isEmpty();
    }

    @Test
    void theCohortsQuestionIgnoresTheDayTheResourcesQuestionDoesNot() {
        ConsentGrant dated = C.fine().scope(Y2020).grant(FIRST);
        assertThat(ReleasePolicy.whyNotReliable(dated, permit(), "Observation", T)).isEmpty();
        assertThat(ReleasePolicy.decide(permit(), List.of(dated), "Observation", null, T))
                .isEqualTo(new Decision.Refuse(Refusal.UNDATED_UNDER_CONSENT_PERIOD));
    }

    @Test
    void validityIsWholeSecondsAsTheRecordsStateIt() {
        Validity stored = new Validity(T.plusMillis(999), T.plusSeconds(60).plusNanos(1));
        assertThat(stored).isEqualTo(Validity.ofEpochSeconds(T.getEpochSecond(), T.getEpochSecond() + 60));
        assertThat(stored.contains(T)).isTrue();
        assertThat(stored.contains(T.plusSeconds(60))).isFalse();
        assertThat(Validity.ofEpochSeconds(null, null).contains(Instant.EPOCH)).isTrue();
    }

    /** The modes a consent record states, and the legacy rule: a record without the claim allows both. */
    @Test
    void aConsentRecordsModesAreReadOneWay() {
        assertThat(ConsentModes.fromClaim(null)).contains(BOTH);
        assertThat(ConsentModes.fromClaim(List.of("statistics"))).contains(List.of(AccessMode.STATISTICS));
        assertThat(ConsentModes.fromClaim(List.of("records"))).contains(BOTH);
        assertThat(ConsentModes.fromClaim(List.of("records", "statistics", "records"))).contains(BOTH);
        assertThat(ConsentModes.fromClaim(List.of())).isEmpty();
        assertThat(ConsentModes.fromClaim(List.of("statistics", "everything"))).isEmpty();
        assertThat(ConsentModes.fromClaim("statistics")).isEmpty();
        assertThat(ConsentModes.toClaim(List.of(AccessMode.RECORDS))).containsExactly("statistics", "records");
        assertThat(ConsentModes.ofInteraction(AccessMode.STATISTICS_INTERACTION)).isEqualTo(AccessMode.STATISTICS);
        assertThat(ConsentModes.ofInteraction("search")).isEqualTo(AccessMode.RECORDS);
        assertThat(ConsentModes.ofInteraction("export")).isEqualTo(AccessMode.RECORDS);
    }
}
