package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.nimbusds.jose.jwk.JWKSet;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r4.model.Consent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A person's consent in the standard formats, made and changed through the real API: the ISO/IEC TS 27560 receipt
 * and record validate against a JSON Schema of the DPV guide's required fields (test resources formats/), the FHIR
 * Consent against HAPI's R4 validator, and every format carries signed records that verify against the JWKS.
 */
class StandardFormatsTest extends OperatorTestBase {
    static SchemaRegistry schemas;
    static Schema receiptSchema;
    static Schema recordSchema;

    @BeforeAll
    static void schemas() {
        schemas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        receiptSchema = schemas.getSchema(SchemaLocation.of("classpath:formats/dpv-27560-receipt.schema.json"));
        recordSchema = schemas.getSchema(SchemaLocation.of("classpath:formats/dpv-27560-record.schema.json"));
    }

    /** A source, a programme, a linked citizen and a consent given on the text shown, as a person gives it. */
    private record Given(String consentId, String token, JsonNode consent, String sourceName) {
    }

    private Given give(String citizen, Instant validUntil) {
        String admin = admin();
        String sourceName = "Formats hospital " + java.util.UUID.randomUUID();
        OperatorHttp.Reply source = http.post("/api/v1/sources", admin, Map.of("name", sourceName,
                "fhirBaseUrl", http.base() + "/demo-source/fhir", "auth", Map.of("type", "none")));
        assertThat(source.status()).as(source.body()).isEqualTo(201);
        String sourceId = source.json().get("id").asText();
        OperatorHttp.Reply programme = http.post("/api/v1/programmes", admin, Map.of(
                "name", "Formats programme", "description", "Heart research", "organisation", "Heart Research Foundation",
                "purposes", List.of("dpv:ScientificResearch", "dpv:DataAltruism"),
                "scope", Map.of("resourceTypes", List.of("Patient", "Observation", "MedicationRequest")),
                "termsUri", "https://heart.example/terms", "termsVersion", "3", "stewards", List.of("steward-demo")));
        assertThat(programme.status()).as(programme.body()).isEqualTo(201);
        String programmeId = programme.json().get("id").asText();

        String token = http.citizenToken(citizen, citizen + "-demo-password");
        assertThat(http.post("/api/v1/me/links", token, Map.of("sourceId", sourceId)).status()).isEqualTo(201);
        Map<String, Object> request = Map.of("programmeId", programmeId, "sourceIds", List.of(sourceId),
                "scope", Map.of("resourceTypes", List.of("Patient", "Observation"), "dataPeriod", Map.of("start", "2015-01-01")),
                "validUntil", validUntil.toString());
        OperatorHttp.Reply text = http.post("/api/v1/me/consents/text", token, request);
        assertThat(text.status()).as(text.body()).isEqualTo(200);
        Map<String, Object> withHash = new java.util.HashMap<>(request);
        withHash.put("shownTextSha256", text.json().get("sha256").asText());
        OperatorHttp.Reply granted = http.post("/api/v1/me/consents", token, withHash);
        assertThat(granted.status()).as(granted.body()).isEqualTo(201);
        return new Given(granted.json().get("id").asText(), token, granted.json(), sourceName);
    }

    private JsonNode receipt(Given given, String format) {
        OperatorHttp.Reply reply = http.get("/api/v1/me/consents/" + given.consentId() + "/receipt?format=" + format,
                given.token());
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    private static void assertValid(Schema schema, JsonNode document) {
        List<Error> errors = schema.validate(document);
        assertThat(errors).as("schema errors:%n%s%nin%n%s", describe(errors), document.toPrettyString()).isEmpty();
    }

    private static String describe(List<Error> errors) {
        return errors.stream().map(e -> e.getInstanceLocation() + " " + e.getMessage()).collect(Collectors.joining("\n"));
    }

    private RecordVerifier verifier() throws Exception {
        return new RecordVerifier(JWKSet.parse(http.get("/.well-known/jwks.json", null).body()));
    }

    @Test
    void the27560ReceiptFollowsEveryStatusChangeValidatesAndStaysVerifiable() throws Exception {
        Instant validUntil = Instant.now().plus(400, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        Given given = give("alice", validUntil);

        // the receipt endpoint's default is still the signed consent record itself
        OperatorHttp.Reply jws = http.get("/api/v1/me/consents/" + given.consentId() + "/receipt", given.token());
        assertThat(jws.status()).isEqualTo(200);
        assertThat(jws.contentType()).startsWith("application/jose");
        assertThat(jws.body()).isEqualTo(given.consent().get("record").asText());

        JsonNode fresh = receipt(given, "iso27560");
        assertValid(receiptSchema, fresh);
        JsonNode freshRecord = fresh.get("dpv:hasRecordOfActivity");
        assertThat(freshRecord.get("dct:identifier").asText()).isEqualTo(given.consentId());
        assertThat(freshRecord.get("dpv:hasConsentStatus")).hasSize(1);
        assertThat(freshRecord.get("dpv:hasConsentStatus").get(0).get("dpv:hasDuration").get("rdf:value").asText())
                .isEqualTo(validUntil.toString());

        for (String next : List.of("paused", "active", "withdrawn")) {
            OperatorHttp.Reply changed = http.post("/api/v1/me/consents/" + given.consentId() + "/status", given.token(),
                    Map.of("status", next));
            assertThat(changed.status()).as(changed.body()).isEqualTo(200);
        }
        JsonNode receipt = receipt(given, "iso27560");
        assertValid(receiptSchema, receipt);
        assertThat(receipt.get("dct:identifier").asText()).isNotEqualTo(fresh.get("dct:identifier").asText());
        assertThat(receipt.get("dct:conformsTo").asText()).isEqualTo("https://w3id.org/dpv/schema/dpv-27560#receipt");

        JsonNode record = receipt(given, "iso27560-record");
        assertValid(recordSchema, record);
        assertThat(record.get("@context").get("dpv").asText()).isEqualTo("https://w3id.org/dpv#");

        // given, paused, resumed, withdrawn: DPV's consent statuses, each the signed status record it restates
        JsonNode consent = http.get("/api/v1/me/consents/" + given.consentId(), given.token()).json();
        List<List<String>> types = new ArrayList<>();
        RecordVerifier verifier = verifier();
        JsonNode events = record.get("dpv:hasConsentStatus");
        assertThat(events).hasSize(4);
        for (int i = 0; i < events.size(); i++) {
            JsonNode event = events.get(i);
            List<String> eventTypes = new ArrayList<>();
            event.get("@type").forEach(t -> eventTypes.add(t.asText()));
            types.add(eventTypes);
            JsonNode signed = event.get("mydata:signedRecord");
            assertThat(signed.get("mydata:jws").asText()).isEqualTo(consent.get("statusRecords").get(i).asText());
            assertThat(signed.get("mydata:logIndex").asLong())
                    .isEqualTo(consent.get("history").get(i).get("logIndex").asLong());
            VerifiedRecord csr = verifier.verify(signed.get("mydata:jws").asText());
            assertThat(csr.type()).isEqualTo(RecordType.CONSENT_STATUS);
            assertThat(csr.claims()).containsEntry("cr_id", given.consentId());
            assertThat(Instant.parse(event.get("dpv:isIndicatedAtTime").asText()).getEpochSecond())
                    .isEqualTo(((Number) csr.claims().get("iat")).longValue());
            assertThat(event.get("dpv:isIndicatedBy").asText()).isEqualTo("dpv:DataSubject");
        }
        assertThat(types).containsExactly(
                List.of("dpv:ConsentGiven", "dpv:ExplicitlyExpressedConsent"),
                List.of("dpv:ConsentStatusInvalidForProcessing", "mydata:ConsentPaused"),
                List.of("dpv:RenewedConsentGiven", "dpv:ExplicitlyExpressedConsent"),
                List.of("dpv:ConsentWithdrawn"));
        assertThat(events.get(3).get("dpv:hasDuration").get("@type").asText()).isEqualTo("dpv:EndlessDuration");

        VerifiedRecord cr = verifier.verify(record.get("mydata:signedRecord").get("mydata:jws").asText());
        assertThat(cr.type()).isEqualTo(RecordType.CONSENT);
        assertThat(cr.claims()).containsEntry("cr_id", given.consentId());
        assertThat(record.get("mydata:signedRecord").get("mydata:logIndex").asLong())
                .isEqualTo(consent.get("logIndex").asLong());
        assertThat(record.get("mydata:signedRecord").get("mydata:verifyWith").asText())
                .isEqualTo(http.base() + "/.well-known/jwks.json");

        // what the record says, in DPV terms
        JsonNode process = record.get("dpv:hasProcess").get(0);
        assertThat(process.get("dpv:hasPurpose").findValuesAsString("skos:broader"))
                .containsExactly("dpv:ScientificResearch", "dpv:DataAltruism");
        assertThat(process.get("dpv:hasPersonalData").findValuesAsString("skos:broader"))
                .containsExactly("pd:Demographic", "pd:HealthRecord");
        assertThat(process.get("dpv:hasPersonalData").get(1).get("dct:temporal").asText()).isEqualTo("2015-01-01/..");
        assertThat(process.get("dpv:hasDataSource").findValuesAsString("dpv:hasName"))
                .containsExactly(given.sourceName());
        assertThat(process.get("dpv:hasConsentControl").get("dpv:isExercisedAt").asText())
                .isEqualTo(http.base() + "/app/consents/" + given.consentId());
        assertThat(record.get("dpv:hasEntity").get(0).get("dpv:hasName").asText()).isEqualTo("Heart Research Foundation");
        assertThat(record.get("dpv:hasNotice").get(0).get("dct:identifier").asText())
                .isEqualTo("sha256:" + consent.get("terms").get("shownTextSha256").asText());
    }

    @Test
    void theSchemaDoesCatchARecordWithoutItsRequiredFields() {
        // a control, so that an empty error list above means the schema checked something
        Given given = give("bob", Instant.now().plus(30, ChronoUnit.DAYS));
        ObjectNode record = (ObjectNode) receipt(given, "iso27560-record");
        assertValid(recordSchema, record);
        record.remove("dpv:hasNotice");
        ((ObjectNode) record.get("dpv:hasProcess").get(0)).remove("dpv:hasConsentControl");
        ((ObjectNode) record.get("dpv:hasConsentStatus").get(0)).remove("dpv:isIndicatedAtTime");
        String errors = describe(recordSchema.validate(record));
        assertThat(errors).contains("dpv:hasNotice", "dpv:hasConsentControl", "dpv:isIndicatedAtTime");
    }

    @Test
    void theDgaFormTheFhirConsentAndTheDownloadCarryTheSignedRecord() throws Exception {
        Given given = give("carol", Instant.now().plus(90, ChronoUnit.DAYS));
        assertThat(http.post("/api/v1/me/consents/" + given.consentId() + "/status", given.token(),
                Map.of("status", "withdrawn")).status()).isEqualTo(200);
        String cr = given.consent().get("record").asText();

        JsonNode form = receipt(given, "dga-altruism");
        assertThat(form.get("@type").asText()).isEqualTo("eu-dga:EUDataAltruismConsentForm");
        JsonNode modules = form.get("modules");
        assertThat(modules.propertyNames()).containsExactly("organisation", "objectivesOfGeneralInterest",
                "purposes", "data", "dataUsers", "conditions", "consentAndWithdrawal", "signature");
        assertThat(modules.get("objectivesOfGeneralInterest").get("dpv:hasPurpose").toString())
                .contains("dpv:DataAltruism", "dpv:ScientificResearch");
        assertThat(modules.get("consentAndWithdrawal").get("status").asText()).isEqualTo("withdrawn");
        assertThat(modules.get("signature").get("mydata:signedRecord").get("mydata:jws").asText()).isEqualTo(cr);
        assertThat(verifier().verify(cr).claims()).containsEntry("cr_id", given.consentId());

        OperatorHttp.Reply fhirReply = http.get("/api/v1/me/consents/" + given.consentId() + "/receipt?format=fhir",
                given.token());
        assertThat(fhirReply.status()).isEqualTo(200);
        assertThat(fhirReply.contentType()).startsWith("application/fhir+json");
        FhirContext fhir = FhirContext.forR4Cached();
        Consent resource = fhir.newJsonParser().parseResource(Consent.class, fhirReply.body());
        ValidationSupportChain support = new ValidationSupportChain(new DefaultProfileValidationSupport(fhir),
                new CommonCodeSystemsTerminologyService(fhir), new InMemoryTerminologyServerValidationSupport(fhir),
                new SnapshotGeneratingValidationSupport(fhir));
        FhirValidator validator = fhir.newValidator().registerValidatorModule(new FhirInstanceValidator(support));
        ValidationResult result = validator.validateWithResult(resource);
        List<SingleValidationMessage> errors = result.getMessages().stream()
                .filter(m -> m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL)
                .toList();
        assertThat(errors).as("%s", result.getMessages().stream().map(SingleValidationMessage::getMessage).toList())
                .isEmpty();
        assertThat(resource.getStatus()).isEqualTo(Consent.ConsentState.INACTIVE);
        assertThat(resource.getProvision().getType()).isEqualTo(Consent.ConsentProvisionType.PERMIT);
        assertThat(new String(resource.getSourceAttachment().getData(), StandardCharsets.US_ASCII)).isEqualTo(cr);
        assertThat(resource.getIdentifier()).anySatisfy(id -> {
            assertThat(id.getSystem()).isEqualTo("urn:mydata-operator:log");
            assertThat(id.getValue()).isEqualTo(given.consent().get("logIndex").asText());
        });

        // the download of everything carries each consent in the standard formats, in a section of its own
        JsonNode export = http.get("/api/v1/me/export", given.token()).json();
        JsonNode entry = null;
        for (JsonNode e : export.get("standardFormats")) {
            if (e.get("consentId").asText().equals(given.consentId())) {
                entry = e;
            }
        }
        assertThat(entry).as("the export's standardFormats").isNotNull();
        assertValid(receiptSchema, entry.get("iso27560Receipt"));
        assertThat(entry.get("dgaAltruismForm").get("@type").asText()).isEqualTo("eu-dga:EUDataAltruismConsentForm");
    }

    @Test
    void anUnknownFormatIsRefusedAndAnotherPersonsConsentIsNotFound() {
        Given given = give("bob", Instant.now().plus(10, ChronoUnit.DAYS));
        OperatorHttp.Reply unknown = http.get("/api/v1/me/consents/" + given.consentId() + "/receipt?format=pdf",
                given.token());
        assertThat(unknown.status()).isEqualTo(422);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        String other = alice();
        for (String format : List.of("jws", "iso27560", "dga-altruism", "fhir")) {
            assertThat(http.get("/api/v1/me/consents/" + given.consentId() + "/receipt?format=" + format, other)
                    .status()).isEqualTo(404);
        }
    }
}
