package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.demo.DemoConfig;
import org.mydata.operator.verify.audit.AuditJson;
import org.mydata.operator.verify.audit.BundleVerifier;
import org.mydata.operator.verify.audit.Report;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;
import tools.jackson.databind.JsonNode;

/**
 * Opt-outs over the real API with real tokens: the catalogue states each programme's basis; a person opts out of
 * an opt-out programme (a signed receipt, a FHIR Consent that denies), cannot do it twice, withdraws it; opting
 * out of a consent programme and consenting to an opt-out one are 409s that say what to do instead; the
 * person's own inclusion bundle verifies.
 */
class OptOutApiTest extends OperatorTestBase {

    private String optOutProgramme(ResearchFixtures f) {
        OperatorHttp.Reply reply = http.post("/api/v1/programmes", f.admin, Map.of(
                "name", "Opt-out programme " + UUID.randomUUID(), "description", "d", "organisation", "HDAB",
                "purposes", List.of("dpv:ScientificResearch"), "scope", Map.of("resourceTypes", List.of("Patient")),
                "termsUri", "https://example.org/notice", "termsVersion", "1", "stewards", List.of("steward-demo"),
                "legalBasis", "public-interest", "sourceIds", List.of(f.demoSource)));
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        assertThat(reply.json().get("legalBasis").asText()).isEqualTo("public-interest");
        assertThat(reply.json().get("optOut").asBoolean()).isTrue();
        return reply.json().get("id").asText();
    }

    @Test
    void theCatalogueStatesEachProgrammesBasis() {
        JsonNode catalogue = http.get("/api/v1/programmes", null).json();
        Map<String, String> basis = new java.util.HashMap<>();
        catalogue.forEach(p -> basis.put(p.get("name").asText(), p.get("legalBasis").asText()));
        assertThat(basis).containsEntry(DemoConfig.DEMO_PROGRAMME_NAME, "consent")
                .containsEntry(DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME, "ehds-secondary-use");
        assertThat(catalogue.get(0).get("name").asText()).isEqualTo(DemoConfig.DEMO_PROGRAMME_NAME);
    }

    @Test
    void aPersonOptsOutAndWithdrawsWithSignedReceipts() throws Exception {
        ResearchFixtures f = new ResearchFixtures(http);
        String programme = optOutProgramme(f);
        String carol = f.citizen("carol");

        JsonNode notice = http.get("/api/v1/me/opt-outs/notice?programmeId=" + programme, carol).json();
        assertThat(notice.get("text").asText()).contains("I object").contains("GDPR Art. 6(1)(e)");
        OperatorHttp.Reply stale = http.post("/api/v1/me/opt-outs", carol, Map.of("programme_id", programme,
                "shown_notice_sha256", "not-what-was-shown"));
        assertThat(stale.status()).isEqualTo(409);

        OperatorHttp.Reply made = http.post("/api/v1/me/opt-outs", carol, Map.of("programme_id", programme,
                "shown_notice_sha256", notice.get("sha256").asText()));
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        JsonNode optOut = made.json();
        assertThat(optOut.get("status").asText()).isEqualTo("opted-out");
        assertThat(optOut.get("legalBasis").asText()).isEqualTo("public-interest");
        String id = optOut.get("id").asText();
        JWKSet jwks = JWKSet.parse(http.get("/.well-known/jwks.json", null).body());
        RecordVerifier verifier = new RecordVerifier(jwks);
        VerifiedRecord record = verifier.verify(optOut.get("record").asText());
        assertThat(record.type()).isEqualTo(RecordType.OPT_OUT);
        assertThat(record.claims()).containsEntry("opt_out_id", id).containsEntry("programme_id", programme)
                .containsEntry("status", "opted-out");

        OperatorHttp.Reply twice = http.post("/api/v1/me/opt-outs", carol, Map.of("programmeId", programme));
        assertThat(twice.status()).isEqualTo(409);
        assertThat(twice.contentType()).startsWith("application/problem+json");
        assertThat(twice.json().get("detail").asText()).contains("already opted out");

        assertThat(http.get("/api/v1/me/opt-outs", carol).json()).anySatisfy(o ->
                assertThat(o.get("id").asText()).isEqualTo(id));
        assertThat(http.get("/api/v1/me/opt-outs/" + id, bob()).status()).isEqualTo(404);

        JsonNode fhir = http.get("/api/v1/me/opt-outs/" + id + "/fhir", carol).json();
        assertThat(fhir.get("resourceType").asText()).isEqualTo("Consent");
        assertThat(fhir.get("provision").get("type").asText()).isEqualTo("deny");
        assertThat(fhir.get("status").asText()).isEqualTo("active");

        OperatorHttp.Reply consent = http.post("/api/v1/me/consents", carol, Map.of("programmeId", programme));
        assertThat(consent.status()).isEqualTo(409);
        assertThat(consent.json().get("detail").asText()).contains("opt out instead");

        OperatorHttp.Reply withdrawn = http.post("/api/v1/me/opt-outs/" + id + "/withdraw", carol, Map.of());
        assertThat(withdrawn.status()).as(withdrawn.body()).isEqualTo(200);
        assertThat(withdrawn.json().get("status").asText()).isEqualTo("withdrawn");
        assertThat(withdrawn.json().get("history")).hasSize(2);
        VerifiedRecord withdrawal = verifier.verify(withdrawn.json().get("history").get(1).get("record").asText());
        assertThat(withdrawal.claims()).containsEntry("status", "withdrawn").containsKey("prev_hash");
        assertThat(http.delete("/api/v1/me/opt-outs/" + id, carol).status()).isEqualTo(409);
        assertThat(http.get("/api/v1/me/export", carol).json().get("optOuts")).anySatisfy(o ->
                assertThat(o.get("id").asText()).isEqualTo(id));

        Map<String, Object> bundle = AuditJson.parseObject(http.get("/api/v1/me/programmes/" + programme
                + "/inclusion/audit", carol).body(), "bundle");
        Report report = BundleVerifier.verify(jwks, AuditJson.bundle(bundle), null);
        assertThat(report.failures()).as(report.failures().toString()).isEmpty();
        assertThat(report.checks()).filteredOn(c -> c.name().equals("opt-outs")).hasSize(2);
    }

    @Test
    void optingOutOfAConsentProgrammeSaysToWithdrawTheConsentInstead() {
        ResearchFixtures f = new ResearchFixtures(http);
        String consentProgramme = f.programme(List.of("Patient"));
        OperatorHttp.Reply refused = http.post("/api/v1/me/opt-outs", alice(), Map.of("programmeId",
                consentProgramme));
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.json().get("detail").asText()).contains("rests on consent")
                .contains("withdraw your consent instead");
        assertThat(http.post("/api/v1/me/opt-outs", alice(), Map.of("programmeId", UUID.randomUUID().toString()))
                .status()).isEqualTo(404);
        assertThat(http.post("/api/v1/me/opt-outs", alice(), Map.of()).status()).isEqualTo(422);
        assertThat(http.post("/api/v1/programmes", f.admin, Map.of("name", "No sources " + UUID.randomUUID(),
                "description", "d", "organisation", "o", "purposes", List.of("dpv:ScientificResearch"),
                "scope", Map.of("resourceTypes", List.of("Patient")), "termsUri", "https://example.org/t",
                "termsVersion", "1", "stewards", List.of("steward-demo"), "legalBasis", "ehds-secondary-use"))
                .status()).isEqualTo(422);
    }
}
