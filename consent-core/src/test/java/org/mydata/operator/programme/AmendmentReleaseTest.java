package org.mydata.operator.programme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWKSet;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.account.Account;
import org.mydata.operator.verify.audit.ReconsentChain;
import org.mydata.operator.verify.audit.Report;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.consent.Reconsents;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.json.Json;
import org.mydata.operator.permit.CohortMember;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.request.DataRequests;
import org.mydata.operator.request.NewDataRequest;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.release.ConsentGrant;
import org.mydata.operator.release.IssuedUnder;
import org.mydata.operator.release.PermitTerms;
import org.mydata.operator.verify.release.Refusal;
import org.mydata.operator.verify.release.Standing;
import org.mydata.operator.verify.release.Validity;
import org.mydata.operator.release.ReleasePolicy;
import org.mydata.operator.signing.Jwks;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.testing.TestOperator;
import org.mydata.operator.verify.VerifyCommand;

/**
 * Amendments against live consents and permits, on a real database: a widening reaches nobody who did not accept
 * it, a narrowing reaches everybody at once, and a re-consent is a chain operator-verify accepts.
 */
class AmendmentReleaseTest {
    @TempDir
    static Path keys;
    @TempDir
    Path files;

    static TestOperator op;
    static FhirSource hospital;
    static DataRequests requests;
    static ProgrammeAmendments amendments;
    static Reconsents reconsents;
    static Cohorts cohorts;

    @BeforeAll
    static void startOperator() {
        op = new TestOperator(keys);
        hospital = op.source("Hospital A");
        requests = new DataRequests(op.tx, op.appender, op.clock);
        amendments = new ProgrammeAmendments(op.tx, op.appender, op.clock);
        reconsents = new Reconsents(op.tx, op.appender, op.clock);
        cohorts = new Cohorts(op.tx);
    }

    private Permit permit(Programme programme, String purpose, String type) {
        UUID request = requests.submit("researcher-1", new NewDataRequest(programme.id(), "Study " + type, "Uni",
                purpose, DataScope.ofTypes(List.of(type)), "why", op.clock.instant().plus(Duration.ofDays(30)))).id();
        UUID permitId = requests.decide("steward@research.example", request, DataRequests.Decision.APPROVE, null)
                .permitId();
        return reload(permitId);
    }

    private static Permit reload(UUID permitId) {
        return op.tx.read(c -> Permits.find(c, permitId)).orElseThrow();
    }

    private Consent consent(Account person, Programme programme) {
        op.link(person, hospital);
        return op.consents.grant(person, new NewConsent(programme.id(), null, null, null, null, null));
    }

    private List<UUID> cohort(Permit permit, String type) {
        return cohorts.of(reload(permit.id()), type, op.clock.instant()).stream().map(CohortMember::accountId)
                .toList();
    }

    private static NewAmendment types(String reason, String... types) {
        return new NewAmendment(reason, null, new DataScope(List.of(types), LocalDate.parse("2015-01-01"), null),
                null, null, null, null, null, null);
    }

    @Test
    void aWideningReachesOnlyThoseWhoAcceptItAndANarrowingReachesEveryoneAtOnce() throws Exception {
        Programme programme = op.heartStudy();
        Account alice = op.newAccount();
        Account bob = op.newAccount();
        Consent aliceV1 = consent(alice, programme);
        Consent bobV1 = consent(bob, programme);
        assertThat(aliceV1.version()).isEqualTo(1);
        assertThat(Json.read(new String(java.util.Base64.getUrlDecoder().decode(aliceV1.record().split("\\.")[1]),
                StandardCharsets.UTF_8))).containsEntry("programme_version", 1L);
        Permit observations = permit(programme, "dpv:AcademicResearch", "Observation");

        // Widening: medication data added. The programme's terms change; nobody's consent does.
        ProgrammeVersion v2 = amendments.amend(programme.id(), "admin-1",
                types("we add medication to study treatment", "Patient", "Observation", "Condition",
                        "MedicationRequest"));
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.direction()).isEqualTo(Amendments.Direction.WIDENING);
        assertThat(op.verifier().verify(v2.record()).claims()).containsEntry("version", 2L)
                .containsEntry("reason", "we add medication to study treatment");
        Permit medication = permit(programme, "dpv:AcademicResearch", "MedicationRequest");
        assertThat(cohort(medication, "MedicationRequest")).isEmpty();
        assertThat(cohort(observations, "Observation")).containsExactlyInAnyOrder(alice.id(), bob.id());

        // Bob sees what changed, in Finnish when he asks (the programme offers English alone: English then).
        Reconsents.Offer offer = reconsents.offer(bob, bobV1.id(), Language.FI).orElseThrow();
        assertThat(offer.language()).isEqualTo(Language.EN);
        assertThat(offer.fromVersion()).isEqualTo(1);
        assertThat(offer.toVersion()).isEqualTo(2);
        assertThat(offer.amendments()).extracting(ProgrammeVersion::reason)
                .containsExactly("we add medication to study treatment");
        assertThat(offer.diff()).anyMatch(l -> l.kind() == Amendments.DiffLine.Kind.ADDED
                && l.text().contains("MedicationRequest"));
        assertThatThrownBy(() -> reconsents.accept(bob, bobV1.id(), "en", "not-the-hash"))
                .isInstanceOf(ConflictException.class);

        Consent bobV2 = reconsents.accept(bob, bobV1.id(), "en", offer.newTextSha256());
        assertThat(bobV2.version()).isEqualTo(2);
        assertThat(bobV2.replaces()).isEqualTo(bobV1.id());
        assertThat(bobV2.scope().resourceTypes()).contains("MedicationRequest");
        assertThat(op.consents.get(bob, bobV1.id()).status()).isEqualTo(ConsentStatus.WITHDRAWN);
        assertThat(reconsents.offer(bob, bobV2.id(), Language.EN)).isEmpty();
        assertThatThrownBy(() -> reconsents.accept(bob, bobV1.id(), null, null)).isInstanceOf(ConflictException.class);
        // Only Bob, who accepted, is reached by the widening; both still by what both signed.
        assertThat(cohort(medication, "MedicationRequest")).containsExactly(bob.id());
        assertThat(cohort(observations, "Observation")).containsExactlyInAnyOrder(alice.id(), bob.id());
        // The permit holders heard that Bob moved to a new version; nobody was asked to erase anything.
        assertThat(op.count("select count(*) from notification_event where type = 'consent.version-changed' "
                + "and erasure_requested = false and permit_id = any (?::uuid[])",
                "{" + observations.id() + "," + medication.id() + "}")).isEqualTo(2);

        // Narrowing: observations and data altruism removed. It applies to Alice and Bob alike, at once.
        Permit altruism = permit(programme, "dpv:DataAltruism", "Condition");
        assertThat(cohort(altruism, "Condition")).containsExactlyInAnyOrder(alice.id(), bob.id());
        ProgrammeVersion v3 = amendments.amend(programme.id(), "admin-1", new NewAmendment(
                "we stop collecting observations", List.of("dpv:ScientificResearch"),
                new DataScope(List.of("Patient", "Condition", "MedicationRequest"), LocalDate.parse("2015-01-01"),
                        null), null, null, null, null, null, null));
        assertThat(v3.direction()).isEqualTo(Amendments.Direction.NARROWING);
        assertThat(cohort(observations, "Observation")).isEmpty();
        assertThat(ReleasePolicy.whyNotForType(PermitTerms.of(reload(observations.id())), "Observation",
                op.clock.instant())).contains(Refusal.TYPE_OUTSIDE_PERMIT);
        assertThat(ReleasePolicy.whyNotUsable(PermitTerms.of(reload(altruism.id())), op.clock.instant()))
                .contains(Refusal.NARROWED_BY_AMENDMENT);
        assertThat(cohort(altruism, "Condition")).isEmpty();
        assertThat(cohort(medication, "MedicationRequest")).containsExactly(bob.id());

        // The catalogue's history: the registered terms, then each amendment with its reason.
        assertThat(amendments.versions(programme.id())).extracting(ProgrammeVersion::version)
                .containsExactly(1, 2, 3);

        // Bob's chain, as an auditor fetches it, verifies with operator-verify; a tampered one does not.
        List<String> chain = reconsents.chainForAudit(bobV2.id());
        JWKSet jwks = Jwks.toJwkSet(op.keyRing.publicKeys());
        Report report = ReconsentChain.verify(jwks, chain);
        assertThat(report.failures()).isEmpty();
        assertThat(report.ok()).isTrue();
        assertThat(report.checks()).extracting(c -> c.name()).contains("replaces", "version", "amendments", "chain");

        Path jwksFile = Files.writeString(files.resolve("jwks.json"), jwks.toString(true));
        Path chainFile = Files.writeString(files.resolve("chain.json"), Json.write(Map.of("records", chain)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = VerifyCommand.run(new String[] {"reconsent", "--jwks", jwksFile.toString(), "--chain",
                chainFile.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(status).as(out.toString(StandardCharsets.UTF_8)).isEqualTo(VerifyCommand.OK);

        List<String> withoutOld = new ArrayList<>(chain);
        withoutOld.remove(bobV1.record());
        assertThat(ReconsentChain.verify(jwks, withoutOld).failures()).extracting(c -> c.name())
                .contains("replaces");
        List<String> otherConsent = new ArrayList<>(chain);
        otherConsent.set(otherConsent.indexOf(bobV1.record()), aliceV1.record());
        assertThat(ReconsentChain.verify(jwks, otherConsent).ok()).isFalse();
    }

    /** permitver: the permit's signed record's claims. */
    private static Map<String, Object> claims(Permit permit) throws Exception {
        return op.verifier().verify(permit.record()).claims();
    }

    /** permitver: why the release policy would not let the permit rely on the consent for the type now. */
    private static List<Refusal> whyNot(Permit permit, Consent consent, String type) {
        ConsentGrant grant = new ConsentGrant(consent.id(), consent.accountId(), consent.purposes(), consent.scope(),
                consent.accessModes(), consent.version(), new Standing(ConsentStatus.ACTIVE, new Validity(
                consent.validFrom(), consent.validUntil()), true));
        return ReleasePolicy.whyNotReliable(grant, PermitTerms.of(reload(permit.id())), type, op.clock.instant());
    }

    @Test
    void aPermitIssuedAfterAWideningOfStewardsReachesOnlyThoseWhoAcceptedIt() throws Exception {
        Programme programme = op.heartStudy();
        Account alice = op.newAccount();
        Account bob = op.newAccount();
        Consent aliceV1 = consent(alice, programme);
        Consent bobV1 = consent(bob, programme);
        Permit underV1 = permit(programme, "dpv:AcademicResearch", "Observation");
        assertThat(underV1.issuedUnder().version()).isEqualTo(1);
        assertThat(claims(underV1)).containsEntry("programme_version", 1L)
                .containsEntry("programme_terms_sha256", aliceV1.programmeTermsSha256());

        // A second steward: a new party decides on requests. Nothing a release intersects changed.
        ProgrammeVersion v2 = amendments.amend(programme.id(), "admin-1", new NewAmendment(
                "the regional biobank joins as a steward", null, null, null, null,
                List.of("steward@research.example", "steward@biobank.example"), null, null, null));
        assertThat(v2.direction()).isEqualTo(Amendments.Direction.WIDENING);
        assertThat(v2.widensBeyondRelease()).isTrue();

        // A permit the stewards of version 2 decided, asking only for what version 1 covers, reaches nobody on 1.
        Permit underV2 = permit(programme, "dpv:AcademicResearch", "Observation");
        assertThat(underV2.issuedUnder()).isEqualTo(new IssuedUnder(2, v2.termsSha256(), 2));
        assertThat(claims(underV2)).containsEntry("programme_version", 2L)
                .containsEntry("programme_terms_sha256", v2.termsSha256());
        assertThat(cohort(underV2, "Observation")).isEmpty();
        assertThat(cohort(underV2, "Patient")).isEmpty();
        assertThat(whyNot(underV2, aliceV1, "Observation")).containsExactly(Refusal.WIDENING_NOT_ACCEPTED);
        assertThat(cohorts.reaching(alice.id(), op.clock.instant())).extracting(r -> r.permit().id())
                .containsExactly(underV1.id());
        // The permit issued under version 1 still reaches both: the widening came after it.
        assertThat(cohort(underV1, "Observation")).containsExactlyInAnyOrder(alice.id(), bob.id());

        // Alice accepts version 2: she is reached again, by both permits; Bob, who kept his terms, by the first.
        Consent aliceV2 = reconsents.accept(alice, aliceV1.id(), "en",
                reconsents.offer(alice, aliceV1.id(), Language.EN).orElseThrow().newTextSha256());
        assertThat(aliceV2.version()).isEqualTo(2);
        assertThat(cohort(underV2, "Observation")).containsExactly(alice.id());
        assertThat(cohort(underV1, "Observation")).containsExactlyInAnyOrder(alice.id(), bob.id());
        assertThat(whyNot(underV2, aliceV2, "Observation")).isEmpty();

        // A narrowing after it (a promise added) blocks nobody; the version 2 widening still lies between Bob and
        // a permit issued under version 3.
        ProgrammeVersion v3 = amendments.amend(programme.id(), "admin-1", new NewAmendment(
                "we promise to stay non-commercial", null, null, null, List.of("non-commercial"), null, null, null,
                null));
        assertThat(v3.direction()).isEqualTo(Amendments.Direction.NARROWING);
        assertThat(v3.widensBeyondRelease()).isFalse();
        Permit underV3 = permit(programme, "dpv:AcademicResearch", "Observation");
        assertThat(underV3.issuedUnder()).isEqualTo(new IssuedUnder(3, v3.termsSha256(), 2));
        assertThat(cohort(underV3, "Observation")).containsExactly(alice.id());
        assertThat(whyNot(underV3, bobV1, "Observation")).containsExactly(Refusal.WIDENING_NOT_ACCEPTED);
    }

    @Test
    void aNarrowingOrAWideningAReleaseIntersectsLeavesNobodyBehind() {
        Programme programme = op.heartStudy();
        Account carol = op.newAccount();
        Consent carolV1 = consent(carol, programme);

        // A promise added narrows: a permit issued under version 2 reaches Carol on version 1.
        ProgrammeVersion v2 = amendments.amend(programme.id(), "admin-1", new NewAmendment(
                "results will be published", null, null, null, List.of("results-published"), null, null, null, null));
        assertThat(v2.direction()).isEqualTo(Amendments.Direction.NARROWING);
        Permit underV2 = permit(programme, "dpv:AcademicResearch", "Observation");
        assertThat(underV2.issuedUnder()).isEqualTo(new IssuedUnder(2, v2.termsSha256(), 1));
        assertThat(cohort(underV2, "Observation")).containsExactly(carol.id());

        // A kind of data added widens, but a release intersects it with each consent's own kinds: a permit issued
        // under version 3 still reaches Carol for what she signed, and only that.
        ProgrammeVersion v3 = amendments.amend(programme.id(), "admin-1",
                types("we add medication", "Patient", "Observation", "Condition", "MedicationRequest"));
        assertThat(v3.direction()).isEqualTo(Amendments.Direction.WIDENING);
        assertThat(v3.widensBeyondRelease()).isFalse();
        Permit underV3 = permit(programme, "dpv:AcademicResearch", "Observation");
        assertThat(underV3.issuedUnder().oldestReachable()).isEqualTo(1);
        assertThat(cohort(underV3, "Observation")).containsExactly(carol.id());
        Permit medication = permit(programme, "dpv:AcademicResearch", "MedicationRequest");
        assertThat(whyNot(medication, carolV1, "MedicationRequest")).containsExactly(Refusal.TYPE_OUTSIDE_CONSENT);

        // A reworded description widens beyond a release (a text is never assumed to say less).
        ProgrammeVersion v4 = amendments.amend(programme.id(), "admin-1", new NewAmendment("clearer words", null,
                null, null, null, null, null, "2.2", null));
        assertThat(v4.widensBeyondRelease()).isTrue();
        Permit underV4 = permit(programme, "dpv:AcademicResearch", "Observation");
        assertThat(cohort(underV4, "Observation")).isEmpty();
        assertThat(cohort(underV3, "Observation")).containsExactly(carol.id());
    }

    @Test
    void anAmendmentThatChangesNothingOrIsMalformedWritesNothing() {
        Programme programme = op.heartStudy();
        long before = op.count("select count(*) from log_entry");
        assertThatThrownBy(() -> amendments.amend(programme.id(), "admin-1", new NewAmendment("no change",
                null, null, null, null, null, null, null, null))).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> amendments.amend(programme.id(), "admin-1", new NewAmendment("bad purpose",
                List.of("dpv:Marketing"), null, null, null, null, null, null, null)))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> amendments.amend(programme.id(), "admin-1", new NewAmendment(" ",
                List.of("dpv:ScientificResearch"), null, null, null, null, null, null, null)))
                .isInstanceOf(InvalidRequestException.class);
        assertThat(op.count("select count(*) from log_entry")).isEqualTo(before);
        assertThat(op.count("select count(*) from programme_version where programme_id = ?", programme.id()))
                .isZero();
        assertThat(amendments.versions(programme.id())).singleElement()
                .satisfies(v -> assertThat(v.record()).isNull());
    }
}
