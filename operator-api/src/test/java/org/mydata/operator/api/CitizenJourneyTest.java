package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.nimbusds.jose.jwk.JWKSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Consent;
import org.junit.jupiter.api.Test;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;
import tools.jackson.databind.JsonNode;

/** The citizen's core journey through the API, checked the way an outsider would: by the signatures. */
class CitizenJourneyTest extends OperatorTestBase {

    @Test
    void linkConsentPauseResumeWithdrawEachWithAVerifiableReceipt() throws Exception {
        String admin = admin();
        OperatorHttp.Reply source = http.post("/api/v1/sources", admin, Map.of("name", "Journey hospital",
                "fhirBaseUrl", http.base() + "/demo-source/fhir", "auth", Map.of("type", "none")));
        assertThat(source.status()).isEqualTo(201);
        String sourceId = source.json().get("id").asText();

        OperatorHttp.Reply programme = http.post("/api/v1/programmes", admin, Map.of(
                "name", "Journey programme", "description", "Diabetes research", "organisation", "Uni Research",
                "purposes", List.of("dpv:ScientificResearch"),
                "scope", Map.of("resourceTypes", List.of("Observation", "Condition")),
                "termsUri", "https://example.org/terms", "termsVersion", "2", "stewards", List.of("steward-demo")));
        assertThat(programme.status()).isEqualTo(201);
        String programmeId = programme.json().get("id").asText();
        assertThat(http.get("/api/v1/programmes", null).body()).contains(programmeId);

        String alice = alice();
        OperatorHttp.Reply link = http.post("/api/v1/me/links", alice, Map.of("sourceId", sourceId));
        assertThat(link.status()).as(link.body()).isEqualTo(201);
        String surrogateId = link.json().get("surrogateId").asText();
        assertThat(surrogateId).isNotBlank();
        assertThat(http.get("/demo-source/fhir/Patient/" + surrogateId, null).status()).isEqualTo(200);

        // The text names the sources the consent will: the same request as the grant's below, but its hash.
        OperatorHttp.Reply text = http.post("/api/v1/me/consents/text", alice,
                Map.of("programmeId", programmeId, "scope", Map.of("resourceTypes", List.of("Observation")),
                        "sourceIds", List.of(sourceId)));
        assertThat(text.status()).isEqualTo(200);
        assertThat(text.json().get("text").asText()).contains("Journey programme", "Uni Research", "Observation")
                .doesNotContain("Condition");

        OperatorHttp.Reply granted = http.post("/api/v1/me/consents", alice, Map.of("programmeId", programmeId,
                "scope", Map.of("resourceTypes", List.of("Observation")), "sourceIds", List.of(sourceId),
                "shownTextSha256", text.json().get("sha256").asText()));
        assertThat(granted.status()).as(granted.body()).isEqualTo(201);
        String consentId = granted.json().get("id").asText();
        assertThat(granted.json().get("status").asText()).isEqualTo("active");

        for (String next : List.of("paused", "active", "withdrawn")) {
            OperatorHttp.Reply changed = http.post("/api/v1/me/consents/" + consentId + "/status", alice,
                    Map.of("status", next));
            assertThat(changed.status()).as(changed.body()).isEqualTo(200);
            assertThat(changed.json().get("status").asText()).isEqualTo(next);
        }
        OperatorHttp.Reply afterWithdrawal = http.post("/api/v1/me/consents/" + consentId + "/status", alice,
                Map.of("status", "active"));
        assertThat(afterWithdrawal.status()).isEqualTo(409);
        assertThat(afterWithdrawal.contentType()).startsWith("application/problem+json");
        assertThat(afterWithdrawal.json().get("detail").asText()).contains("withdrawn");

        JsonNode consent = http.get("/api/v1/me/consents/" + consentId, alice).json();
        RecordVerifier verifier = new RecordVerifier(JWKSet.parse(http.get("/.well-known/jwks.json", null).body()));

        VerifiedRecord slr = verifier.verify(link.json().get("record").asText());
        assertThat(slr.type()).isEqualTo(RecordType.SERVICE_LINK);
        assertThat(slr.claims()).containsEntry("surrogate_id", surrogateId).containsEntry("service_id", sourceId);

        VerifiedRecord cr = verifier.verify(consent.get("record").asText());
        assertThat(cr.type()).isEqualTo(RecordType.CONSENT);
        assertThat(cr.claims()).containsEntry("cr_id", consentId).containsEntry("programme_id", programmeId)
                .containsEntry("slr_ids", List.of(link.json().get("id").asText()));
        @SuppressWarnings("unchecked")
        Map<String, Object> terms = (Map<String, Object>) cr.claims().get("terms");
        assertThat(terms).containsEntry("shown_text_sha256", text.json().get("sha256").asText())
                .containsEntry("version", "2");

        List<String> chain = new ArrayList<>();
        consent.get("statusRecords").forEach(n -> chain.add(n.asText()));
        assertThat(chain).hasSize(4);
        List<String> statuses = new ArrayList<>();
        String previous = null;
        for (String record : chain) {
            VerifiedRecord csr = verifier.verify(record);
            assertThat(csr.type()).isEqualTo(RecordType.CONSENT_STATUS);
            assertThat(csr.claims()).containsEntry("cr_id", consentId);
            assertThat(csr.claims().get("prev_csr_hash")).isEqualTo(previous == null ? null : RecordHash.sha256(previous));
            statuses.add((String) csr.claims().get("status"));
            previous = record;
        }
        assertThat(statuses).containsExactly("active", "paused", "active", "withdrawn");

        OperatorHttp.Reply fhir = http.get("/api/v1/me/consents/" + consentId + "/fhir", alice);
        assertThat(fhir.status()).isEqualTo(200);
        Consent resource = FhirContext.forR4Cached().newJsonParser().parseResource(Consent.class, fhir.body());
        assertThat(new String(resource.getSourceAttachment().getData())).isEqualTo(consent.get("record").asText());
        assertThat(resource.getStatus()).isEqualTo(Consent.ConsentState.INACTIVE);

        JsonNode export = http.get("/api/v1/me/export", alice).json();
        assertThat(export.get("consents").toString()).contains(consentId);
        assertThat(export.get("links").toString()).contains(surrogateId);
        assertThat(export.get("jwks").get("keys").size()).isGreaterThanOrEqualTo(1);

        // A rotation keeps every earlier receipt verifiable and new records use the new key.
        OperatorHttp.Reply rotated = http.post("/api/v1/admin/keys/rotate", admin, "{}");
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
        String newKid = rotated.json().get("kid").asText();
        JWKSet after = JWKSet.parse(http.get("/.well-known/jwks.json", null).body());
        RecordVerifier afterRotation = new RecordVerifier(after);
        assertThat(afterRotation.verify(consent.get("record").asText()).keyId()).isNotEqualTo(newKid);
        assertThat(http.get("/.well-known/jwks.json", null).body()).contains("\"retired\"").contains(newKid);
        OperatorHttp.Reply unlinked = http.delete("/api/v1/me/links/" + link.json().get("id").asText(), alice);
        assertThat(unlinked.status()).isEqualTo(200);
        VerifiedRecord removal = afterRotation.verify(unlinked.json().get("removalRecord").asText());
        assertThat(removal.keyId()).isEqualTo(newKid);
        assertThat(removal.type()).isEqualTo(RecordType.SERVICE_LINK_REMOVAL);
    }

    @Test
    void aCitizenNeverSeesAnotherCitizensConsent() {
        String alice = alice();
        String bob = bob();
        String programmeId = http.get("/api/v1/programmes", null).json().get(0).get("id").asText();
        String demoSource = demoSourceId();
        http.post("/api/v1/me/links", bob, Map.of("sourceId", demoSource));
        OperatorHttp.Reply bobs = http.post("/api/v1/me/consents", bob, Map.of("programmeId", programmeId));
        // 200: bob already holds the same consent to this programme from another test.
        assertThat(bobs.status()).as(bobs.body()).isIn(200, 201);
        String bobsId = bobs.json().get("id").asText();

        assertThat(http.get("/api/v1/me/consents/" + bobsId, alice).status()).isEqualTo(404);
        assertThat(http.post("/api/v1/me/consents/" + bobsId + "/status", alice, Map.of("status", "withdrawn")).status())
                .isEqualTo(404);
        assertThat(http.get("/api/v1/me/consents/" + bobsId + "/fhir", alice).status()).isEqualTo(404);
        assertThat(http.get("/api/v1/me/consents", alice).body()).doesNotContain(bobsId);
        assertThat(http.get("/api/v1/me/export", alice).body()).doesNotContain(bobsId);
        assertThat(http.get("/api/v1/me/consents/" + bobsId, bob).json().get("status").asText()).isEqualTo("active");
    }

    private String demoSourceId() {
        for (JsonNode source : http.get("/api/v1/sources", admin()).json()) {
            if (source.get("name").asText().equals("Demo Hospital (Synthea)")) {
                return source.get("id").asText();
            }
        }
        throw new AssertionError("the demo source is not registered");
    }
}
