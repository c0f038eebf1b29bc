package org.mydata.operator.consent;

import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.verify.consent.RecordHash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.account.Account;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.link.ServiceLink;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.VerifiedRecord;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.testing.TestOperator;

class ConsentsTest {
    @TempDir
    static Path keys;

    static TestOperator op;
    static FhirSource hospital;
    static FhirSource wellness;
    static Programme heartStudy;

    Account person;
    ServiceLink hospitalLink;

    @BeforeAll
    static void startOperator() {
        op = new TestOperator(keys);
        hospital = op.source("Hospital A");
        wellness = op.source("Wellness B");
        heartStudy = op.heartStudy();
    }

    @BeforeEach
    void newPersonLinkedToTheHospital() {
        op.clock.set(TestOperator.START);
        person = op.newAccount();
        hospitalLink = op.link(person, hospital);
    }

    private static NewConsent request(List<String> purposes, DataScope scope, List<UUID> sourceIds, Instant validUntil,
                                      String shownTextSha256) {
        return new NewConsent(heartStudy.id(), purposes, scope, sourceIds, validUntil, shownTextSha256);
    }

    private static NewConsent wholeProgramme() {
        return new NewConsent(heartStudy.id(), null, null, null, null, null);
    }

    private long consentRows(Account account) {
        return op.count("select count(*) from consent where account_id = ?", account.id());
    }

    private long statusRows(UUID consentId) {
        return op.count("select count(*) from consent_status where consent_id = ?", consentId);
    }

    private static long number(Object claim) {
        return ((Number) claim).longValue();
    }

    // ---------------------------------------------------------------- grant

    @Test
    void grantSignsAConsentRecordWithTheNarrowedChoices() throws Exception {
        Instant now = op.clock.instant();
        Instant validUntil = now.plus(Duration.ofDays(365));
        DataScope scope = new DataScope(List.of("Observation", "Condition"), LocalDate.parse("2018-01-01"),
                LocalDate.parse("2024-12-31"));
        NewConsent request = request(List.of("dpv:AcademicResearch", "dpv:DataAltruism"), scope,
                List.of(hospital.id()), validUntil, null);

        Consent consent = op.consents.grant(person, request);

        VerifiedRecord cr = op.verifier().verify(consent.record());
        assertThat(cr.type()).isEqualTo(RecordType.CONSENT);
        assertThat(cr.keyId()).isEqualTo(op.keyRing.activeKeyId());
        Map<String, Object> claims = cr.claims();
        assertThat(claims).containsEntry("cr_id", consent.id().toString())
                .containsEntry("account_id", person.id().toString())
                .containsEntry("slr_ids", List.of(hospitalLink.id().toString()))
                .containsEntry("programme_id", heartStudy.id().toString())
                .containsEntry("purposes", List.of("dpv:AcademicResearch", "dpv:DataAltruism"))
                .containsEntry("scope", Map.of("resource_types", List.of("Observation", "Condition"),
                        "data_period", Map.of("start", "2018-01-01", "end", "2024-12-31")));
        assertThat(number(claims.get("valid_from"))).isEqualTo(now.getEpochSecond());
        assertThat(number(claims.get("valid_until"))).isEqualTo(validUntil.getEpochSecond());
        assertThat(number(claims.get("iat"))).isEqualTo(now.getEpochSecond());
        assertThat(claims.get("terms")).isEqualTo(Map.of(
                "policy_uri", "https://research.example/heart/terms",
                "version", "2.1",
                "shown_text_sha256", RecordHash.sha256(consent.proposal()), "language", "en"));

        // the stored text is exactly what the person is previewed, and says what they agree to
        assertThat(consent.proposal()).isEqualTo(op.consents.preview(person, request));
        assertThat(consent.proposal()).contains("Heart study", "University Heart Research", "Hospital A",
                "Observation, Condition", "from 2018-01-01", "until 2024-12-31", "academic research (dpv:AcademicResearch)",
                validUntil.toString(), "version 2.1").doesNotContain("Wellness B");
        assertThat(consent.terms().shownTextSha256()).isEqualTo(RecordHash.sha256(consent.proposal()));

        assertThat(consent.accountId()).isEqualTo(person.id());
        assertThat(consent.programmeId()).isEqualTo(heartStudy.id());
        assertThat(consent.purposes()).containsExactly(Purpose.ACADEMIC_RESEARCH, Purpose.DATA_ALTRUISM);
        assertThat(consent.scope()).isEqualTo(scope);
        assertThat(consent.linkIds()).containsExactly(hospitalLink.id());
        assertThat(consent.validFrom()).isEqualTo(now);
        assertThat(consent.validUntil()).isEqualTo(validUntil);
        assertThat(consent.isInForce(now)).isTrue();
        assertThat(consent.isInForce(validUntil)).isFalse();

        // the first status record: active, with no predecessor
        assertThat(consent.statusRecords()).hasSize(1);
        StatusRecord first = consent.latestStatus();
        assertThat(first.sequence()).isEqualTo(1);
        assertThat(first.status()).isEqualTo(ConsentStatus.ACTIVE);
        assertThat(first.changedBy()).isEqualTo(StatusRecord.ChangedBy.PERSON);
        assertThat(first.prevHash()).isNull();
        VerifiedRecord csr = op.verifier().verify(first.record());
        assertThat(csr.type()).isEqualTo(RecordType.CONSENT_STATUS);
        assertThat(csr.claims()).containsEntry("csr_id", first.id().toString())
                .containsEntry("cr_id", consent.id().toString())
                .containsEntry("account_id", person.id().toString())
                .containsEntry("status", "active")
                .containsEntry("changed_by", "person")
                .doesNotContainKeys("prev_csr_hash", "reason");

        // reading it back gives the same consent
        Consent read = op.consents.get(person, consent.id());
        assertThat(read.record()).isEqualTo(consent.record());
        assertThat(read.statusRecords()).isEqualTo(consent.statusRecords());
        assertThat(read.scope()).isEqualTo(scope);
        assertThat(op.consents.list(person)).extracting(Consent::id).containsExactly(consent.id());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRequestThatNamesNothingGetsTheWholeProgrammeAndEveryLiveLink() throws Exception {
        ServiceLink wellnessLink = op.link(person, wellness);

        Consent consent = op.consents.grant(person, wholeProgramme());

        Map<String, Object> claims = op.verifier().verify(consent.record()).claims();
        assertThat(claims).containsEntry("purposes", List.of("dpv:ScientificResearch", "dpv:DataAltruism"))
                .containsEntry("scope", Map.of("resource_types", List.of("Patient", "Observation", "Condition"),
                        "data_period", Map.of("start", "2015-01-01")))
                .doesNotContainKey("valid_until");
        assertThat((List<Object>) claims.get("slr_ids"))
                .containsExactlyInAnyOrder(hospitalLink.id().toString(), wellnessLink.id().toString());
        assertThat(consent.linkIds()).containsExactlyInAnyOrder(hospitalLink.id(), wellnessLink.id());
        assertThat(consent.validUntil()).isNull();
        assertThat(consent.proposal()).contains("Hospital A", "Wellness B", "I withdraw this consent");
    }

    // ---------------------------------------------------------------- the status chain

    @Test
    void pauseResumeWithdrawBuildsAHashLinkedChain() throws Exception {
        Consent consent = op.consents.grant(person, wholeProgramme());

        op.clock.advance(Duration.ofHours(1));
        StatusChange paused = op.consents.changeStatus(person, consent.id(), ConsentStatus.PAUSED,
                StatusRecord.ChangedBy.PERSON, null);
        op.clock.advance(Duration.ofHours(1));
        StatusChange resumed = op.consents.changeStatus(person, consent.id(), ConsentStatus.ACTIVE,
                StatusRecord.ChangedBy.OPERATOR, "  source audit finished  ");
        op.clock.advance(Duration.ofHours(1));
        StatusChange withdrawn = op.consents.changeStatus(person, consent.id(), ConsentStatus.WITHDRAWN,
                StatusRecord.ChangedBy.PERSON, null);

        assertThat(paused.status()).isEqualTo(ConsentStatus.PAUSED);
        assertThat(paused.isInForce(op.clock.instant())).isFalse();
        assertThat(resumed.status()).isEqualTo(ConsentStatus.ACTIVE);
        assertThat(withdrawn.status()).isEqualTo(ConsentStatus.WITHDRAWN);
        assertThat(withdrawn.isInForce(op.clock.instant())).isFalse();
        // a change answers with its own record, not the history; the consent record itself never changes
        assertThat(withdrawn.record().sequence()).isEqualTo(4);
        assertThat(withdrawn.record().prevHash()).isEqualTo(RecordHash.sha256(resumed.record().record()));
        assertThat(op.consents.get(person, consent.id()).record()).isEqualTo(consent.record());

        List<StatusRecord> chain = op.consents.get(person, consent.id()).statusRecords();
        assertThat(chain).extracting(StatusRecord::status).containsExactly(ConsentStatus.ACTIVE, ConsentStatus.PAUSED,
                ConsentStatus.ACTIVE, ConsentStatus.WITHDRAWN);
        assertThat(chain).extracting(StatusRecord::sequence).containsExactly(1, 2, 3, 4);
        assertThat(chain).extracting(StatusRecord::changedBy).containsExactly(StatusRecord.ChangedBy.PERSON,
                StatusRecord.ChangedBy.PERSON, StatusRecord.ChangedBy.OPERATOR, StatusRecord.ChangedBy.PERSON);
        assertThat(chain.get(2).reason()).isEqualTo("source audit finished");
        assertThat(chain).extracting(StatusRecord::id).doesNotHaveDuplicates();

        String[] wire = {"active", "paused", "active", "withdrawn"};
        for (int i = 0; i < chain.size(); i++) {
            StatusRecord csr = chain.get(i);
            VerifiedRecord verified = op.verifier().verify(csr.record());
            assertThat(verified.type()).isEqualTo(RecordType.CONSENT_STATUS);
            Map<String, Object> claims = verified.claims();
            assertThat(claims).containsEntry("csr_id", csr.id().toString())
                    .containsEntry("cr_id", consent.id().toString())
                    .containsEntry("account_id", person.id().toString())
                    .containsEntry("status", wire[i])
                    .containsEntry("changed_by", csr.changedBy().wire());
            assertThat(number(claims.get("iat"))).isEqualTo(TestOperator.START.plus(Duration.ofHours(i)).getEpochSecond());
            assertThat(csr.createdAt()).isEqualTo(TestOperator.START.plus(Duration.ofHours(i)));
            if (i == 0) {
                assertThat(csr.prevHash()).isNull();
                assertThat(claims).doesNotContainKey("prev_csr_hash");
            } else {
                String expected = RecordHash.sha256(chain.get(i - 1).record());
                assertThat(csr.prevHash()).isEqualTo(expected);
                assertThat(claims).containsEntry("prev_csr_hash", expected);
            }
        }
        assertThat(op.verifier().verify(chain.get(2).record()).claims())
                .containsEntry("reason", "source audit finished");
        assertThat(op.verifier().verify(chain.get(1).record()).claims()).doesNotContainKey("reason");
    }

    @Test
    void withdrawalIsFinalAndARefusedChangeStoresNothing() {
        Consent consent = op.consents.grant(person, wholeProgramme());
        op.consents.changeStatus(person, consent.id(), ConsentStatus.WITHDRAWN, StatusRecord.ChangedBy.PERSON, null);
        assertThat(statusRows(consent.id())).isEqualTo(2);

        for (ConsentStatus next : ConsentStatus.values()) {
            assertThatThrownBy(() -> op.consents.changeStatus(person, consent.id(), next, StatusRecord.ChangedBy.PERSON,
                    null)).isInstanceOf(ConflictException.class).hasMessageContaining("withdrawn");
        }
        assertThatThrownBy(() -> op.consents.changeStatus(person, consent.id(), ConsentStatus.ACTIVE,
                StatusRecord.ChangedBy.OPERATOR, "reinstated by support")).isInstanceOf(ConflictException.class);

        assertThat(statusRows(consent.id())).isEqualTo(2);
        assertThat(op.consents.get(person, consent.id()).status()).isEqualTo(ConsentStatus.WITHDRAWN);
    }

    @Test
    void pausingAPausedConsentOrActivatingAnActiveOneIsAConflict() {
        Consent consent = op.consents.grant(person, wholeProgramme());
        assertThatThrownBy(() -> op.consents.changeStatus(person, consent.id(), ConsentStatus.ACTIVE,
                StatusRecord.ChangedBy.PERSON, null)).isInstanceOf(ConflictException.class)
                .hasMessageContaining("already active");

        op.consents.changeStatus(person, consent.id(), ConsentStatus.PAUSED, StatusRecord.ChangedBy.PERSON, null);
        assertThatThrownBy(() -> op.consents.changeStatus(person, consent.id(), ConsentStatus.PAUSED,
                StatusRecord.ChangedBy.PERSON, null)).isInstanceOf(ConflictException.class)
                .hasMessageContaining("already paused");

        assertThat(statusRows(consent.id())).isEqualTo(2);
        // a paused consent can still be withdrawn directly
        assertThat(op.consents.changeStatus(person, consent.id(), ConsentStatus.WITHDRAWN, StatusRecord.ChangedBy.PERSON,
                null).status()).isEqualTo(ConsentStatus.WITHDRAWN);
    }

    @Test
    void theOperatorMustGiveAReason() {
        Consent consent = op.consents.grant(person, wholeProgramme());
        for (String reason : new String[] {null, "", "   "}) {
            InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
                    () -> op.consents.changeStatus(person, consent.id(), ConsentStatus.PAUSED,
                            StatusRecord.ChangedBy.OPERATOR, reason));
            assertThat(e).isNotNull();
            assertThat(e.field()).isEqualTo("reason");
        }
        assertThat(statusRows(consent.id())).isEqualTo(1);
    }

    @Test
    void anotherPersonsConsentIsNotFound() {
        Consent consent = op.consents.grant(person, wholeProgramme());
        Account stranger = op.newAccount();

        assertThatThrownBy(() -> op.consents.get(stranger, consent.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> op.consents.changeStatus(stranger, consent.id(), ConsentStatus.WITHDRAWN,
                StatusRecord.ChangedBy.PERSON, null)).isInstanceOf(NotFoundException.class);
        assertThat(op.consents.list(stranger)).isEmpty();
        assertThatThrownBy(() -> op.consents.get(person, UUID.randomUUID())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> op.consents.changeStatus(person, UUID.randomUUID(), ConsentStatus.PAUSED,
                StatusRecord.ChangedBy.PERSON, null)).isInstanceOf(NotFoundException.class);

        assertThat(statusRows(consent.id())).isEqualTo(1);
        assertThat(op.consents.get(person, consent.id()).status()).isEqualTo(ConsentStatus.ACTIVE);
    }

    // ---------------------------------------------------------------- narrowing: refused requests store nothing

    private <T extends Throwable> T refused(Class<T> type, NewConsent request) {
        T e = catchThrowableOfType(type, () -> op.consents.grant(person, request));
        assertThat(e).as("grant refused with %s", type.getSimpleName()).isNotNull();
        assertThat(consentRows(person)).as("no consent row after a refused grant").isZero();
        return e;
    }

    @Test
    void purposesOutsideTheProgrammeAreRefused() {
        // broader than the programme's scientific research
        InvalidRequestException broader = refused(InvalidRequestException.class,
                request(List.of("dpv:ResearchAndDevelopment"), null, null, null, null));
        assertThat(broader.field()).isEqualTo("purposes");
        assertThat(broader.getMessage()).contains("dpv:ResearchAndDevelopment");

        InvalidRequestException oneBad = refused(InvalidRequestException.class,
                request(List.of("dpv:AcademicResearch", "dpv:ResearchAndDevelopment"), null, null, null, null));
        assertThat(oneBad.field()).isEqualTo("purposes");

        InvalidRequestException unknown = refused(InvalidRequestException.class,
                request(List.of("dpv:Marketing"), null, null, null, null));
        assertThat(unknown.field()).isEqualTo("purposes");
        assertThat(unknown.getMessage()).contains("dpv:Marketing");
    }

    @Test
    void aResourceTypeOutsideTheProgrammeScopeIsRefusedByName() {
        InvalidRequestException e = refused(InvalidRequestException.class,
                request(null, DataScope.ofTypes(List.of("Observation", "MedicationRequest")), null, null, null));
        assertThat(e.field()).isEqualTo("scope");
        assertThat(e.getMessage()).contains("MedicationRequest").doesNotContain("Observation");
    }

    @Test
    void anUnknownFhirTypeIsRefused() {
        InvalidRequestException e = refused(InvalidRequestException.class,
                request(null, DataScope.ofTypes(List.of("Observation", "HeartBeat")), null, null, null));
        assertThat(e.field()).startsWith("scope");
        assertThat(e.getMessage()).contains("HeartBeat");
    }

    @Test
    void aDataPeriodWiderThanTheProgrammesIsRefused() {
        InvalidRequestException e = refused(InvalidRequestException.class,
                request(null, new DataScope(List.of("Observation"), LocalDate.parse("2010-01-01"), null), null, null, null));
        assertThat(e.field()).isEqualTo("scope");
        assertThat(e.getMessage()).contains("data period");
    }

    @Test
    void anUnknownProgrammeIsNotFound() {
        refused(NotFoundException.class, new NewConsent(UUID.randomUUID(), null, null, null, null, null));
        InvalidRequestException missing = refused(InvalidRequestException.class,
                new NewConsent(null, null, null, null, null, null));
        assertThat(missing.field()).isEqualTo("programmeId");
    }

    @Test
    void withoutALiveLinkThereIsNothingToConsentTo() {
        Account unlinked = op.newAccount();
        assertThatThrownBy(() -> op.consents.grant(unlinked, wholeProgramme())).isInstanceOf(ConflictException.class);
        assertThat(consentRows(unlinked)).isZero();

        op.links.remove(person, hospitalLink.id());
        refused(ConflictException.class, wholeProgramme());
    }

    @Test
    void namingASourceWithoutALiveLinkIsRefused() {
        InvalidRequestException e = refused(InvalidRequestException.class,
                request(null, null, List.of(wellness.id()), null, null));
        assertThat(e.field()).isEqualTo("sourceIds");
    }

    @Test
    void validUntilMustLieInTheFuture() {
        Instant now = op.clock.instant();
        InvalidRequestException past = refused(InvalidRequestException.class,
                request(null, null, null, now.minusSeconds(1), null));
        assertThat(past.field()).isEqualTo("validUntil");
        refused(InvalidRequestException.class, request(null, null, null, now, null));
        assertThat(op.consents.grant(person, request(null, null, null, now.plusSeconds(1), null)).validUntil())
                .isEqualTo(now.plusSeconds(1));
    }

    @Test
    void theShownTextHashMustMatchTheTextTheRequestWouldSign() throws Exception {
        NewConsent narrow = request(null, DataScope.ofTypes(List.of("Observation")), null, null, null);
        NewConsent wide = wholeProgramme();
        String narrowText = op.consents.preview(person, narrow);
        String wideText = op.consents.preview(person, wide);
        assertThat(narrowText).isNotEqualTo(wideText);
        assertThat(consentRows(person)).as("preview stores nothing").isZero();

        refused(ConflictException.class, request(null, null, null, null, RecordHash.sha256("some other text")));
        // the person was shown the narrow text, but the request would sign the wide one
        refused(ConflictException.class, request(null, null, null, null, RecordHash.sha256(narrowText)));

        Consent granted = op.consents.grant(person,
                request(null, DataScope.ofTypes(List.of("Observation")), null, null, RecordHash.sha256(narrowText)));
        assertThat(granted.proposal()).isEqualTo(narrowText);
        assertThat(op.verifier().verify(granted.record()).claims().get("terms"))
                .isEqualTo(Map.of("policy_uri", "https://research.example/heart/terms", "version", "2.1",
                        "shown_text_sha256", RecordHash.sha256(narrowText), "language", "en"));
        assertThat(consentRows(person)).isEqualTo(1);
    }

    // ---------------------------------------------------------------- the database guards the records

    @Test
    void theDatabaseRefusesToChangeOrDeleteSignedRecords() {
        Consent consent = op.consents.grant(person, wholeProgramme());

        assertThatThrownBy(() -> op.execute("update consent_status set status = 'paused' where consent_id = ?",
                consent.id())).isInstanceOf(SQLException.class).hasMessageContaining("append-only");
        assertThatThrownBy(() -> op.execute("delete from consent_status where consent_id = ?", consent.id()))
                .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
        assertThatThrownBy(() -> op.execute("update consent set record = 'forged' where id = ?", consent.id()))
                .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
        assertThatThrownBy(() -> op.execute("update consent set scope = '{\"resource_types\":[\"Patient\"]}'::jsonb "
                + "where id = ?", consent.id())).isInstanceOf(SQLException.class);
        // a fork of the chain (a second successor with the same sequence number) is refused too
        assertThatThrownBy(() -> op.execute("insert into consent_status (id, consent_id, seq, status, changed_by, record, "
                + "created_at) values (?, ?, 1, 'paused', 'person', 'x', now())", UUID.randomUUID(), consent.id()))
                .isInstanceOf(SQLException.class);

        Consent after = op.consents.get(person, consent.id());
        assertThat(after.statusRecords()).isEqualTo(consent.statusRecords());
        assertThat(after.record()).isEqualTo(consent.record());
    }
}
