package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.OperatorHttp;
import org.mydata.operator.api.demo.DemoConfig;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Every form of the citizen pages, sent after its session ended (signed out, so its CSRF token is stale), over
 * real HTTP with the session cookie and the pages' own tokens: nothing is done; the person is led through the
 * sign-in to the same confirmation, their choices kept and the page saying nothing has changed yet; only their
 * confirmation there does it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StaleFormsWalkTest {
    private static final String CAROL = "carol";
    private static final String PASSWORD = "carol-demo-password";
    private static final Pattern FORM = Pattern.compile("<form[^>]*method=\"post\"[^>]*action=\"([^\"]+)\"[^>]*>(.*?)</form>",
            Pattern.DOTALL);
    private static final Pattern INPUT = Pattern.compile("<input[^>]*>");

    @LocalServerPort
    int port;

    /** An operator of its own, so carol starts with nothing whatever other tests do. */
    @DynamicPropertySource
    static void ownDataDir(DynamicPropertyRegistry registry) throws IOException {
        String dataDir = Files.createTempDirectory("operator-stale-forms").toString();
        registry.add("operator.data-dir", () -> dataDir);
    }

    @Test
    void everyFormSentAfterTheSessionEndedComesBackToItsConfirmationAndWaitsForIt() {
        OperatorHttp http = new OperatorHttp(port);
        String carol = http.citizenToken(CAROL, PASSWORD);
        String admin = http.clientToken("admin-demo", "admin-demo-secret", "admin");
        String sourceId = id(http.get("/api/v1/sources", admin).json(), DemoConfig.DEMO_SOURCE_NAME);
        JsonNode programmes = http.get("/api/v1/programmes", carol).json();
        String donation = id(programmes, DemoConfig.DEMO_PROGRAMME_NAME);
        String optOutProgramme = id(programmes, DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME);

        // Link a source.
        Walk link = walk(http, "/app/sources/" + sourceId + "/link", List.of());
        assertThat(link.landedOn()).isEqualTo("/app/sources?again");
        assertThat(http.get("/api/v1/me/links", carol).json().size()).isZero();
        link.confirm("/app/sources/" + sourceId + "/link");
        JsonNode links = http.get("/api/v1/me/links", carol).json();
        assertThat(links.size()).isEqualTo(1);
        String linkId = links.get(0).get("id").asText();

        // Donate: the kinds, the source, the end, how researchers may receive the data and the language of the text
        // come back as chosen.
        Walk donate = walk(http, "/app/programmes/" + donation + "/donate", List.of(Map.entry("type", "Observation"),
                Map.entry("type", "Condition"), Map.entry("source", sourceId), Map.entry("until", "2031-01-31"),
                Map.entry("access", "records"), Map.entry("language", "fi"), Map.entry("shownTextSha256", "shown-before")));
        assertThat(donate.landedOn()).startsWith("/app/programmes/" + donation + "/confirm?again")
                .contains("type=Observation", "type=Condition", "until=2031-01-31", "access=records", "language=fi");
        assertThat(donate.page()).contains("id=\"consent-text\" lang=\"fi\"", "Annan suostumukseni",
                "laboratoriotulokset ja mittaukset (Observation)");
        assertThat(http.get("/api/v1/me/consents", carol).json().size()).isZero();
        donate.confirm("/app/programmes/" + donation + "/donate");
        JsonNode consent = http.get("/api/v1/me/consents", carol).json().get(0);
        String consentId = consent.get("id").asText();
        assertThat(consent.get("status").asText()).isEqualTo("active");
        assertThat(consent.get("terms").get("language").asText()).isEqualTo("fi");
        assertThat(consent.get("accessModes").toString()).contains("statistics", "records");
        assertThat(consent.get("scope").toString()).contains("Observation", "Condition");
        assertThat(consent.get("validUntil").asText()).startsWith("2031-01-3");

        // Pause, resume, withdraw, ask for erasure.
        for (String[] step : new String[][] {{"pause", "paused"}, {"resume", "active"}, {"withdraw", "withdrawn"}}) {
            String path = "/app/consents/" + consentId + "/" + step[0];
            Walk walked = walk(http, path, List.of());
            assertThat(walked.landedOn()).isEqualTo(path + "?again");
            String before = http.get("/api/v1/me/consents/" + consentId, carol).json().get("status").asText();
            assertThat(before).as(step[0]).isNotEqualTo(step[1]);
            walked.confirm(path);
            assertThat(http.get("/api/v1/me/consents/" + consentId, carol).json().get("status").asText())
                    .as(step[0]).isEqualTo(step[1]);
        }
        String erasure = "/app/consents/" + consentId + "/erasure";
        Walk erase = walk(http, erasure, List.of());
        assertThat(erase.landedOn()).isEqualTo(erasure + "?again");
        assertThat(erase.page()).contains("Ask for my shared data to be erased").doesNotContain("erasure-requested");
        erase.confirm(erasure);
        assertThat(erase.session().get("/app/consents/" + consentId).body()).contains("id=\"erasure-requested\"");

        // Opt out, read in Swedish, then undo it.
        Walk optOut = walk(http, "/app/programmes/" + optOutProgramme + "/opt-out", List.of(
                Map.entry("shownNoticeSha256", "shown-before"), Map.entry("language", "sv")));
        assertThat(optOut.landedOn()).isEqualTo("/app/programmes/" + optOutProgramme + "/opt-out?again&language=sv");
        assertThat(optOut.page()).contains("id=\"opt-out-text\" lang=\"sv\"", "Jag avstår från att mina hälsouppgifter");
        assertThat(http.get("/api/v1/me/opt-outs", carol).json().size()).isZero();
        optOut.confirm("/app/programmes/" + optOutProgramme + "/opt-out");
        JsonNode opted = http.get("/api/v1/me/opt-outs", carol).json().get(0);
        assertThat(opted.get("live").asBoolean()).isTrue();
        String undo = "/app/opt-outs/" + opted.get("id").asText() + "/undo";
        Walk undone = walk(http, undo, List.of());
        assertThat(undone.landedOn()).isEqualTo(undo + "?again");
        assertThat(http.get("/api/v1/me/opt-outs", carol).json().get(0).get("live").asBoolean()).isTrue();
        undone.confirm(undo);
        assertThat(http.get("/api/v1/me/opt-outs", carol).json().get(0).get("live").asBoolean()).isFalse();

        // Remove the link.
        String remove = "/app/links/" + linkId + "/remove";
        Walk removed = walk(http, remove, List.of());
        assertThat(removed.landedOn()).isEqualTo(remove + "?again");
        assertThat(http.get("/api/v1/me/links", carol).json().get(0).get("status").asText()).isEqualTo("live");
        removed.confirm(remove);
        assertThat(http.get("/api/v1/me/links", carol).json().get(0).get("status").asText()).isEqualTo("removed");
    }

    /** A stale form's way back: the signed-in session, the page it came back to and that page's address. */
    private record Walk(WebSession session, String landedOn, String page) {
        /** Sends the page's own form for {@code action}, as the person's confirmation, with its fresh token. */
        void confirm(String action) {
            Matcher form = FORM.matcher(page);
            while (form.find()) {
                if (form.group(1).equals(action)) {
                    List<Map.Entry<String, String>> fields = new ArrayList<>();
                    Matcher input = INPUT.matcher(form.group(2));
                    while (input.find()) {
                        String name = attribute(input.group(), "name");
                        if (name != null) {
                            fields.add(Map.entry(name, attribute(input.group(), "value")));
                        }
                    }
                    HttpResponse<String> done = session.post(action, fields);
                    assertThat(done.statusCode()).as(action + ": " + done.body()).isIn(302, 303);
                    assertThat(done.headers().firstValue("Location").orElse("")).as(action).doesNotContain("again");
                    return;
                }
            }
            throw new AssertionError("the page has no form for " + action + ":\n" + page);
        }
    }

    /**
     * Signs carol in, keeps a form's token, signs her out (the session ends), sends the form with it, and follows
     * where she is led: through the sign-in to the page that asks again.
     */
    private static Walk walk(OperatorHttp http, String action, List<Map.Entry<String, String>> choices) {
        WebSession session = new WebSession(http.base());
        session.signIn(CAROL, PASSWORD);
        String token = session.csrfToken();
        assertThat(session.post("/logout", Map.of("_csrf", token)).statusCode()).isIn(302, 303);

        List<Map.Entry<String, String>> form = new ArrayList<>(choices);
        form.add(Map.entry("_csrf", token));
        HttpResponse<String> stale = session.post(action, form);
        assertThat(stale.statusCode()).as(action).isEqualTo(303);
        String again = stale.headers().firstValue("Location").orElseThrow();
        HttpResponse<String> signInFirst = session.get(again);
        assertThat(signInFirst.statusCode()).as(again).isEqualTo(302);
        assertThat(signInFirst.headers().firstValue("Location").orElseThrow()).endsWith("/login");
        String back = path(session.signIn(CAROL, PASSWORD).headers().firstValue("Location").orElseThrow());
        HttpResponse<String> page = session.get(back);
        assertThat(page.statusCode()).as(back).isEqualTo(200);
        assertThat(page.body()).as(back).contains("id=\"again\"", "nothing has been changed yet");
        return new Walk(session, again, page.body());
    }

    private static String path(String location) {
        URI uri = URI.create(location);
        return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    private static String attribute(String tag, String name) {
        Matcher m = Pattern.compile("\\s" + name + "=\"([^\"]*)\"").matcher(tag);
        return m.find() ? m.group(1).replace("&amp;", "&") : null;
    }

    private static String id(JsonNode list, String name) {
        for (JsonNode item : list) {
            if (item.get("name").asText().equals(name)) {
                return item.get("id").asText();
            }
        }
        throw new AssertionError("no " + name + " in " + list);
    }
}
