package org.mydata.operator.consent;

import org.mydata.operator.formats.ConsentAsFhir;

import org.mydata.operator.verify.consent.RecordHash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Consent.ConsentState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.account.Account;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.formats.ChoiceRecord;
import org.mydata.operator.formats.Iso27560;
import org.mydata.operator.formats.Issuer;
import org.mydata.operator.optout.OptOutNotice;
import org.mydata.operator.optout.OptOuts;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Language;
import org.mydata.operator.programme.NewProgramme;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeTexts;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.testing.TestOperator;

/** What a person signs is in the language they read: the texts, the record's language, and the formats. */
class SignedTextLanguageTest {
    @TempDir
    static Path keys;

    static TestOperator op;
    static FhirSource hospital;
    /** Offered in English and Finnish, not in Swedish. */
    static Programme study;

    @BeforeAll
    static void start() {
        op = new TestOperator(keys);
        hospital = op.source("Hospital A");
        study = op.programmes.create(new NewProgramme("Heart study", "Heart research", "University Heart Research",
                List.of("dpv:ScientificResearch"), DataScope.ofTypes(List.of("Observation", "Condition")),
                "https://research.example/heart/terms", "2.1", List.of("steward@research.example"),
                List.of("non-commercial"), null, null).withTexts(Map.of("fi", new ProgrammeTexts("Sydäntutkimus",
                "Sydäntutkimusta", "Sydäntutkimuksen yliopisto"))));
    }

    @Test
    void theCatalogueKeepsEveryLanguageTheProgrammeOffers() {
        Programme stored = op.programmes.get(study.id());
        assertThat(stored.languages()).containsExactly(Language.EN, Language.FI);
        assertThat(stored.in(Language.FI).orElseThrow().name()).isEqualTo("Sydäntutkimus");
        assertThat(stored.name()).isEqualTo("Heart study");
        assertThat(stored.in(Language.SV)).isEmpty();
    }

    @Test
    void aFinnishConsentIsSignedInFinnishAndItsRecordSaysSo() throws Exception {
        Account person = op.newAccount();
        op.link(person, hospital);
        NewConsent request = new NewConsent(study.id(), null, null, null, null, null, null, "fi");
        String shown = op.consents.preview(person, request);

        Consent consent = op.consents.grant(person, new NewConsent(study.id(), null, null, null, null,
                RecordHash.sha256(shown), null, "fi"));

        assertThat(consent.proposal()).isEqualTo(shown).startsWith("Annan suostumukseni")
                .contains("\"Sydäntutkimus\"", "Sydäntutkimuksen yliopisto", "tieteellinen tutkimus (dpv:ScientificResearch)",
                        "laboratoriotulokset ja mittaukset (Observation)", "Hospital A", "vastuuhenkilöt")
                .doesNotContain("Heart study", "I consent", "Purposes:");
        Map<String, Object> claims = op.verifier().verify(consent.record()).claims();
        assertThat(claims.get("terms")).isEqualTo(Map.of("policy_uri", "https://research.example/heart/terms",
                "version", "2.1", "shown_text_sha256", RecordHash.sha256(shown), "language", "fi"));
        assertThat(consent.terms().language()).isEqualTo("fi");

        ChoiceRecord choice = ChoiceRecord.of(consent, study, List.of("Hospital A"));
        Map<?, ?> notice = (Map<?, ?>) ((List<?>) Iso27560.record(choice, new Issuer("Test operator", "https://op.example"))
                .get("dpv:hasNotice")).get(0);
        assertThat(notice.get("dct:language")).isEqualTo("fi");
        assertThat(notice.get("dct:description")).isEqualTo(shown);
        org.hl7.fhir.r4.model.Consent fhir = ConsentAsFhir.toFhir(choice);
        assertThat(fhir.getLanguage()).isEqualTo("fi");
        assertThat(fhir.getSource()).isInstanceOfSatisfying(org.hl7.fhir.r4.model.Attachment.class,
                a -> assertThat(a.getLanguage()).isEqualTo("fi"));
        assertThat(fhir.getStatus()).isEqualTo(ConsentState.ACTIVE);
    }

    @Test
    void aLanguageTheProgrammeDoesNotOfferIsRefusedNamingThoseItOffers() {
        Account person = op.newAccount();
        op.link(person, hospital);
        InvalidRequestException refused = catchThrowableOfType(InvalidRequestException.class,
                () -> op.consents.preview(person, new NewConsent(study.id(), null, null, null, null, null, null, "sv")));
        assertThat(refused.field()).isEqualTo("language");
        assertThat(refused.getMessage()).contains("en, fi");
        assertThat(catchThrowableOfType(InvalidRequestException.class,
                () -> new NewConsent(study.id(), null, null, null, null, null, null, "de")).field()).isEqualTo("language");
    }

    @Test
    void anOlderConsentWithoutALanguageReadsAsEnglishAndItsHashStillHolds() throws Exception {
        Account person = op.newAccount();
        UUID id = UUID.randomUUID();
        String text = "I consent to share my health data with the data-donor programme \"Heart study\".\n";
        // As a consent signed before records stated a language was stored: terms without one.
        op.execute("insert into consent (id, account_id, programme_id, purposes, scope, valid_from, terms, proposal, "
                + "record, created_at) values (?, ?, ?, '{dpv:ScientificResearch}', "
                + "'{\"resource_types\":[\"Observation\"]}', now(), ?::jsonb, ?, 'older.cr.record', now())",
                id, person.id(), study.id(), "{\"policy_uri\":\"https://research.example/heart/terms\",\"version\":"
                        + "\"2.1\",\"shown_text_sha256\":\"" + RecordHash.sha256(text) + "\"}", text);
        op.execute("insert into consent_status (id, consent_id, seq, status, changed_by, record, created_at) "
                + "values (?, ?, 1, 'active', 'person', 'older.csr.record', now())", UUID.randomUUID(), id);

        Consent older = op.consents.get(person, id);
        assertThat(older.terms().language()).isEqualTo("en");
        assertThat(RecordHash.sha256(older.proposal())).isEqualTo(older.terms().shownTextSha256());
    }

    @Test
    void theObjectionNoticeIsWrittenInEachLanguage() {
        Programme registry = op.programmes.create(new NewProgramme(null, null, null, List.of("dpv:ScientificResearch"),
                DataScope.ofTypes(List.of("Observation")), "https://hdab.example/notice", "1",
                List.of("steward@hdab.example"), null, "ehds-secondary-use", List.of(hospital.id()), null, null,
                Map.of("sv", new ProgrammeTexts("Hjärtregistret", "Sekundär användning", "Tillståndsmyndigheten"),
                        "fi", new ProgrammeTexts("Sydänrekisteri", "Toissijainen käyttö", "Lupaviranomainen"))));
        assertThat(registry.languages()).containsExactly(Language.FI, Language.SV);
        assertThat(registry.name()).isEqualTo("Sydänrekisteri");
        OptOuts optOuts = new OptOuts(op.tx, op.appender, op.clock);
        assertThat(optOuts.notice(registry.id(), Language.SV)).startsWith("Jag avstår från att mina hälsouppgifter")
                .contains("\"Hjärtregistret\"", "Tillståndsmyndigheten", "laboratorieresultat och mätningar (Observation)")
                .doesNotContain("Sydänrekisteri", "I object");
        assertThat(catchThrowableOfType(InvalidRequestException.class,
                () -> optOuts.notice(registry.id(), Language.EN)).field()).isEqualTo("language");
        assertThat(OptOutNotice.render(registry, Language.FI, List.of(hospital))).startsWith("Kieltäydyn");
    }

    @Test
    void everySentenceExistsInAllThreeLanguagesAndNoneIsLeftInEnglish() throws IOException {
        Properties en = bundle("");
        for (String suffix : List.of("_fi", "_sv")) {
            Properties translated = bundle(suffix);
            Set<String> keys = translated.stringPropertyNames().stream().filter(k -> !k.startsWith("kind."))
                    .collect(Collectors.toSet());
            assertThat(keys).as(suffix).isEqualTo(en.stringPropertyNames());
            for (String key : keys) {
                assertThat(translated.getProperty(key)).as(suffix + " " + key).isNotEqualTo(en.getProperty(key));
                // Every place to fill is filled in the translation too.
                assertThat(places(translated.getProperty(key))).as(suffix + " " + key)
                        .isEqualTo(places(en.getProperty(key)));
            }
        }
        assertThat(bundle("_fi").stringPropertyNames().stream().filter(k -> k.startsWith("kind.")).toList())
                .containsExactlyInAnyOrderElementsOf(bundle("_sv").stringPropertyNames().stream()
                        .filter(k -> k.startsWith("kind.")).toList());
    }

    private static Set<String> places(String text) {
        return new HashSet<>(Arrays.stream(text.split("\\{")).skip(1).map(p -> p.substring(0, p.indexOf('}')))
                .toList());
    }

    private static Properties bundle(String suffix) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Language.class.getResourceAsStream("signed_texts" + suffix + ".properties")) {
            properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return properties;
    }
}
