package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

/**
 * permitver over real HTTP, through the gateway: a permit approved after an amendment added a steward reads nobody
 * on the programme's first version until they accept the new one, while a permit approved before it keeps reading
 * them; the permit answers with the version it was issued under.
 */
class WidenedPermitGatewayTest extends OperatorTestBase {
    private static final FhirContext FHIR = FhirContext.forR4Cached();

    @Test
    void aPermitApprovedAfterAStewardWasAddedReadsOnlyThoseWhoAcceptedTheNewTerms() {
        ResearchFixtures fixtures = new ResearchFixtures(http);
        String programme = fixtures.programme(List.of("Patient", "Observation"));
        String alice = fixtures.citizen("alice");
        String carol = fixtures.citizen("carol");
        String aliceV1 = fixtures.consent(alice, programme, List.of(fixtures.demoSource), null);
        fixtures.consent(carol, programme, List.of(fixtures.demoSource), null);
        String underV1 = fixtures.approvedPermit(programme, List.of("Patient"), "Before the biobank");

        OperatorHttp.Reply amended = http.post("/api/v1/admin/programmes/" + programme + "/amendments",
                fixtures.admin, Map.of("reason", "the regional biobank decides on requests too",
                        "stewards", List.of("steward-demo", "steward-biobank")));
        assertThat(amended.status()).as(amended.body()).isEqualTo(201);
        assertThat(amended.json().get("direction").asText()).isEqualTo("widening");
        String underV2 = fixtures.approvedPermit(programme, List.of("Patient"), "With the biobank");

        OperatorHttp.Reply permit = http.get("/api/v1/permits/" + underV2, fixtures.researcher);
        assertThat(permit.status()).as(permit.body()).isEqualTo(200);
        assertThat(permit.json().get("programmeVersion").asInt()).isEqualTo(2);
        assertThat(http.get("/api/v1/permits/" + underV1, fixtures.researcher).json().get("programmeVersion")
                .asInt()).isEqualTo(1);

        assertThat(readAll(gateway(underV2, fixtures.researcher), "Patient")).isEmpty();
        assertThat(readAll(gateway(underV1, fixtures.researcher), "Patient")).hasSize(2);

        // Alice accepts version 2: a permit approved under it reads her, and only her. (Another permit than the one
        // read above: a records permit's release plan looks at its cohort again only every 30 seconds, and releases
        // nothing of a person until its plan covers them.)
        String alsoUnderV2 = fixtures.approvedPermit(programme, List.of("Patient"), "With the biobank, again");
        OperatorHttp.Reply offer = http.get("/api/v1/me/consents/" + aliceV1 + "/new-version?language=en", alice);
        assertThat(offer.status()).as(offer.body()).isEqualTo(200);
        OperatorHttp.Reply accepted = http.post("/api/v1/me/consents/" + aliceV1 + "/new-version", alice,
                Map.of("language", "en", "shownTextSha256", offer.json().get("sha256").asText()));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(201);
        assertThat(readAll(gateway(alsoUnderV2, fixtures.researcher), "Patient")).hasSize(1);
        assertThat(readAll(gateway(underV1, fixtures.researcher), "Patient")).hasSize(2);
    }

    private IGenericClient gateway(String permit, String token) {
        FHIR.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        FHIR.getRestfulClientFactory().setSocketTimeout(120_000);
        IGenericClient client = FHIR.newRestfulGenericClient(http.base() + "/fhir/" + permit);
        client.registerInterceptor(new BearerTokenAuthInterceptor(token));
        return client;
    }

    private static List<Resource> readAll(IGenericClient client, String query) {
        List<Resource> all = new ArrayList<>();
        Bundle page = client.search().byUrl(query).returnBundle(Bundle.class).execute();
        while (true) {
            page.getEntry().forEach(e -> all.add(e.getResource()));
            if (page.getLink(Bundle.LINK_NEXT) == null) {
                return all;
            }
            page = client.loadPage().next(page).execute();
        }
    }
}
