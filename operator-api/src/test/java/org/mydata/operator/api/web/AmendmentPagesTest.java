package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.OperatorHttp;
import org.mydata.operator.api.OperatorTestBase;
import org.mydata.operator.api.demo.DemoConfig;
import tools.jackson.databind.JsonNode;

/**
 * Re-consent on the citizen pages, in Finnish: the overview and the consent's page say the terms changed, the
 * new-version page shows what changed and the text compared, accepting it is one form, and the catalogue lists the
 * programme's versions.
 */
class AmendmentPagesTest extends OperatorTestBase {
    private static final Pattern SHA256 = Pattern.compile("name=\"sha256\" value=\"([^\"]+)\"");

    @Test
    void aPersonSeesWhatChangedInTheirLanguageAndAcceptsTheNewTermsInOneStep() {
        OperatorHttp.Reply made = http.post("/api/v1/programmes", admin(), Map.of(
                "name", "Pages amended " + UUID.randomUUID(), "description", "d", "organisation", "o",
                "purposes", List.of("dpv:ScientificResearch"),
                "scope", Map.of("resourceTypes", List.of("Patient", "Observation")),
                "termsUri", "https://example.org/terms", "termsVersion", "1", "stewards", List.of("steward-demo")));
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        String programme = made.json().get("id").asText();
        String alice = alice();
        String source = null;
        for (JsonNode s : http.get("/api/v1/sources", admin()).json()) {
            if (s.get("name").asText().equals(DemoConfig.DEMO_SOURCE_NAME)) {
                source = s.get("id").asText();
            }
        }
        assertThat(http.post("/api/v1/me/links", alice, Map.of("sourceId", source)).status()).isIn(201, 409);
        OperatorHttp.Reply consent = http.post("/api/v1/me/consents", alice, Map.of("programmeId", programme));
        assertThat(consent.status()).as(consent.body()).isEqualTo(201);
        String id = consent.json().get("id").asText();
        assertThat(http.post("/api/v1/admin/programmes/" + programme + "/amendments", admin(), Map.of(
                "reason", "Lisäämme diagnoosit", "scope", Map.of("resourceTypes",
                        List.of("Patient", "Observation", "Condition")),
                // permitver: a steward added too, which a release cannot intersect: the page says what that means.
                "stewards", List.of("steward-demo", "steward-biobank"))).status()).isEqualTo(201);

        WebSession browser = new WebSession(http.base(), "fi");
        browser.signIn("alice", "alice-demo-password");
        HttpResponse<String> overview = browser.get("/app/consents");
        assertThat(overview.statusCode()).isEqualTo(200);
        assertThat(overview.body()).contains("data-new-version=\"2\"", "Ohjelma on muuttanut ehtojaan",
                "/app/consents/" + id + "/new-version");
        HttpResponse<String> page = browser.get("/app/consents/" + id);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Katso, mikä muuttui", "Ohjelman ehtojen versio, jonka hyväksyit: 1");

        HttpResponse<String> offer = browser.get("/app/consents/" + id + "/new-version");
        assertThat(offer.statusCode()).as(offer.body()).isEqualTo(200);
        assertThat(offer.body()).contains("Uudet ehdot", "Lisäämme diagnoosit", "data-direction=\"widening\"",
                "Lisätty: Condition", "diff-added", "Hyväksy uudet ehdot", "Pidä nykyiset ehtoni",
                "Peru suostumukseni", "id=\"amend-keep-reach\"",
                "Tutkimushankkeet, joiden luvan vastuuhenkilö hyväksyy uusilla ehdoilla, eivät saa tietojasi");
        Matcher sha = SHA256.matcher(offer.body());
        assertThat(sha.find()).isTrue();

        HttpResponse<String> accepted = browser.post("/app/consents/" + id + "/new-version", Map.of(
                "sha256", sha.group(1), "language", "en", "_csrf", browser.csrfToken()));
        assertThat(accepted.statusCode()).isEqualTo(302);
        String location = accepted.headers().firstValue("Location").orElseThrow();
        assertThat(location).doesNotContain(id).contains("/app/consents/");
        HttpResponse<String> replacement = browser.get(location.replaceFirst("^https?://[^/]+", ""));
        assertThat(replacement.body()).contains("Hyväksyit uudet ehdot", "Tämä suostumus korvaa aiemman",
                "Ohjelman ehtojen versio, jonka hyväksyit: 2");
        assertThat(browser.get("/app/consents/" + id + "/new-version").statusCode()).isEqualTo(302);

        HttpResponse<String> catalogue = browser.get("/app/programmes");
        assertThat(catalogue.body()).contains("Ehtojen versiot", "data-version=\"2\"", "Lisäämme diagnoosit");
    }
}
