package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.OperatorHttp;
import org.mydata.operator.api.OperatorTestBase;
import org.mydata.operator.api.demo.DemoConfig;
import tools.jackson.databind.JsonNode;

/**
 * The citizen pages' protections, checked over plain HTTP: sign-in required, CSRF on every form, the session
 * cookie's flags, browser hardening headers, and above all that one citizen can neither see nor change
 * another's consent, whatever URL or form they send.
 */
class CitizenPagesSecurityTest extends OperatorTestBase {

    @Test
    void anotherCitizensConsentIsNotFoundForEveryPageAndForm() {
        String alice = alice();
        String sourceId = demoSourceId();
        OperatorHttp.Reply link = http.post("/api/v1/me/links", alice, Map.of("sourceId", sourceId));
        assertThat(link.status()).as(link.body()).isIn(201, 409);
        OperatorHttp.Reply granted = http.post("/api/v1/me/consents", alice,
                Map.of("programmeId", demoProgrammeId(), "sourceIds", List.of(sourceId)));
        assertThat(granted.status()).as(granted.body()).isEqualTo(201);
        String alices = granted.json().get("id").asText();

        WebSession bob = new WebSession(http.base());
        bob.signIn("bob", "bob-demo-password");
        String csrf = bob.csrfToken();
        for (String page : List.of("", "/receipt", "/receipt.jws", "/status-records/1.jws", "/withdraw")) {
            HttpResponse<String> seen = bob.get("/app/consents/" + alices + page);
            assertThat(seen.statusCode()).as(page).isEqualTo(404);
            assertThat(seen.body()).as(page).contains("We could not find that page").doesNotContain("eyJ");
        }
        for (String action : List.of("/pause", "/resume", "/withdraw")) {
            HttpResponse<String> acted = bob.post("/app/consents/" + alices + action, Map.of("_csrf", csrf));
            assertThat(acted.statusCode()).as(action).isEqualTo(404);
        }
        assertThat(bob.get("/app/consents").body()).doesNotContain(alices);
        assertThat(bob.get("/app/access").body()).doesNotContain(alices);
        assertThat(bob.get("/app/export").body()).doesNotContain(alices);

        JsonNode still = http.get("/api/v1/me/consents/" + alices, alice).json();
        assertThat(still.get("status").asText()).isEqualTo("active");
        assertThat(still.get("statusRecords").size()).isEqualTo(1);
    }

    @Test
    void formsNeedTheSessionsCsrfTokenAndPagesNeedASignIn() {
        WebSession anonymous = new WebSession(http.base());
        HttpResponse<String> page = anonymous.get("/app/consents");
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location").orElseThrow()).endsWith("/login");
        assertThat(anonymous.get("/app/assets/app.css").statusCode()).isEqualTo(200);

        WebSession bob = new WebSession(http.base());
        HttpResponse<String> signedIn = bob.signIn("bob", "bob-demo-password");
        String setCookie = String.join("\n", signedIn.headers().allValues("Set-Cookie"));
        assertThat(setCookie).contains("JSESSIONID=").containsIgnoringCase("HttpOnly")
                .containsIgnoringCase("SameSite=Lax");

        String sourceId = demoSourceId();
        // A form without the session's token does nothing: it is sent back to the page that offers the action
        // (a stale form after the session ended looks the same, StaleForms).
        HttpResponse<String> forged = bob.post("/app/sources/" + sourceId + "/link", Map.of());
        assertThat(forged.statusCode()).isEqualTo(303);
        assertThat(forged.headers().firstValue("Location").orElseThrow()).isEqualTo("/app/sources?again");
        HttpResponse<String> wrongToken = bob.post("/app/sources/" + sourceId + "/link", Map.of("_csrf", "forged"));
        assertThat(wrongToken.statusCode()).isEqualTo(303);
        assertThat(bob.get("/app/sources?again").body()).contains("id=\"again\"", "nothing has been changed yet");

        HttpResponse<String> home = bob.get("/app");
        assertThat(home.statusCode()).isEqualTo(200);
        assertThat(home.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("default-src 'none'").contains("frame-ancestors 'none'").contains("form-action 'self'");
        assertThat(home.headers().firstValue("X-Frame-Options").orElseThrow()).isEqualTo("DENY");
        assertThat(home.body()).contains("Signed in as bob");
    }

    @Test
    void domainErrorsArePagesNotStackTraces() {
        assertThat(http.post("/api/v1/me/links", bob(), Map.of("sourceId", demoSourceId())).status()).isIn(201, 409);
        WebSession bob = new WebSession(http.base());
        bob.signIn("bob", "bob-demo-password");
        HttpResponse<String> unknownProgramme = bob.get("/app/programmes/00000000-0000-0000-0000-000000000000/donate");
        assertThat(unknownProgramme.statusCode()).isEqualTo(404);
        assertThat(unknownProgramme.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        HttpResponse<String> badId = bob.get("/app/consents/not-an-id");
        assertThat(badId.statusCode()).isEqualTo(404);
        HttpResponse<String> noSuchPage = bob.get("/app/no/such/page");
        assertThat(noSuchPage.statusCode()).isEqualTo(404);
        HttpResponse<String> widerThanOffered = bob.get("/app/programmes/" + demoProgrammeId()
                + "/confirm?type=Claim&access=statistics&source=" + demoSourceId());
        for (HttpResponse<String> reply : List.of(unknownProgramme, badId, noSuchPage, widerThanOffered)) {
            assertThat(reply.body()).contains("<main id=\"content\">").doesNotContain("Exception")
                    .doesNotContain("\tat ").doesNotContain("\"status\"");
        }
        assertThat(widerThanOffered.statusCode()).isEqualTo(200);
        assertThat(widerThanOffered.body()).contains("role=\"alert\"")
                .contains("The programme does not ask for some of the kinds of data you chose.");
    }

    @Test
    void aSourceIsLinkedAndRemovedThroughThePagesAndTheExportHoldsBoth() {
        String sourceId = http.post("/api/v1/sources", admin(), Map.of("name", "Pages hospital",
                "fhirBaseUrl", http.base() + "/demo-source/fhir")).json().get("id").asText();
        WebSession bob = new WebSession(http.base());
        bob.signIn("bob", "bob-demo-password");
        HttpResponse<String> linked = bob.post("/app/sources/" + sourceId + "/link", Map.of("_csrf", bob.csrfToken()));
        assertThat(linked.statusCode()).isEqualTo(302);
        String sources = bob.get("/app/sources").body();
        assertThat(sources).contains("Linked to Pages hospital.");
        java.util.regex.Matcher remove = java.util.regex.Pattern.compile("/app/links/([0-9a-f-]{36})/remove\"[^>]*>"
                + "Remove the link to Pages hospital").matcher(sources);
        assertThat(remove.find()).as(sources).isTrue();
        String linkId = remove.group(1);
        assertThat(bob.get("/app/links/" + linkId + "/remove").body()).contains("Remove the link to Pages hospital?");

        HttpResponse<String> removed = bob.post("/app/links/" + linkId + "/remove", Map.of("_csrf", bob.csrfToken()));
        assertThat(removed.statusCode()).isEqualTo(302);
        String after = bob.get("/app/sources").body();
        assertThat(after).contains("The link to Pages hospital is removed.").contains("Removed links")
                .contains("Link Pages hospital");
        HttpResponse<String> again = bob.post("/app/links/" + linkId + "/remove", Map.of("_csrf", bob.csrfToken()));
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.body()).contains("That cannot be done right now.").doesNotContain("was already removed");

        HttpResponse<String> export = bob.get("/app/export");
        assertThat(export.statusCode()).isEqualTo(200);
        assertThat(export.headers().firstValue("Content-Disposition").orElseThrow()).contains("mydata-export.json");
        JsonNode everything = OperatorHttp.JSON.readTree(export.body());
        assertThat(everything.get("links").toString()).contains(linkId).contains("removed");
        assertThat(everything.get("jwks").get("keys").size()).isGreaterThanOrEqualTo(1);
    }

    private String demoSourceId() {
        for (JsonNode source : http.get("/api/v1/sources", admin()).json()) {
            if (source.get("name").asText().equals(DemoConfig.DEMO_SOURCE_NAME)) {
                return source.get("id").asText();
            }
        }
        throw new AssertionError("the demo source is not registered");
    }

    /** A programme of the test's own, so that alice's consent to it is new: one live consent per programme. */
    private String demoProgrammeId() {
        return http.post("/api/v1/programmes", admin(), Map.of(
                "name", "Security pages programme " + java.util.UUID.randomUUID(), "description", "d", "organisation", "o",
                "purposes", List.of("dpv:ScientificResearch"),
                "scope", Map.of("resourceTypes", List.of("Observation")),
                "termsUri", "https://example.org/terms", "termsVersion", "1", "stewards", List.of("steward-demo")))
                .json().get("id").asText();
    }
}
