package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
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
 * The pages' languages and error pages over plain HTTP: Accept-Language picks among English, Finnish and
 * Swedish and anything else is English, always with the matching {@code lang}; the switch's choice outlives
 * the request; times are in Europe/Helsinki on a 24-hour clock and an end date ends with its day; and every
 * way a person can fail on a page ends on a page in their language, with the menu, never a developer's
 * message or a JSON document. (CitizenLanguagesBrowserTest walks the same in Chromium.)
 */
class CitizenLanguagesTest extends OperatorTestBase {
    private static final ZoneId HELSINKI = ZoneId.of("Europe/Helsinki");

    @Test
    void acceptLanguagePicksAmongTheThreeAndAnythingElseIsEnglish() {
        Map<String, String> wanted = Map.of(
                "fi", "fi", "fi-FI,fi;q=0.9,en;q=0.5", "fi", "sv-SE", "sv", "sv-FI,sv;q=0.9", "sv",
                "de-DE,de;q=0.9", "en", "de, sv;q=0.5", "sv", "en-US", "en", "*", "en");
        Map<String, String> heading = Map.of("en", "Your health data", "fi", "Terveystietosi",
                "sv", "Dina hälsouppgifter");
        wanted.forEach((header, language) -> {
            WebSession browser = new WebSession(http.base(), header);
            browser.signIn("bob", "bob-demo-password");
            String page = browser.get("/app").body();
            assertThat(page).as(header).contains("<html lang=\"" + language + "\"")
                    .contains("<h1>" + heading.get(language) + "</h1>");
        });
        WebSession none = new WebSession(http.base());
        none.signIn("bob", "bob-demo-password");
        assertThat(none.get("/app").body()).contains("<html lang=\"en\"");
    }

    @Test
    void theLanguageSwitchIsOnEveryPageAndItsChoiceIsKept() {
        WebSession browser = new WebSession(http.base(), "fi");
        browser.signIn("bob", "bob-demo-password");
        String finnish = browser.get("/app/programmes").body();
        assertThat(finnish).contains("<html lang=\"fi\"")
                .contains("href=\"/app/programmes?lang=sv\" lang=\"sv\" hreflang=\"sv\"")
                .contains(">Svenska</a>").contains(">English</a>").contains(">Suomi</a>");

        HttpResponse<String> switched = browser.get("/app/programmes?lang=sv");
        assertThat(switched.body()).contains("<html lang=\"sv\"").contains("<h1>Forskningsprogram</h1>");
        assertThat(String.join("\n", switched.headers().allValues("Set-Cookie")))
                .contains("mydata-lang=sv").containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Lax");
        // The browser still asks for Finnish; the person chose Swedish, and that is kept.
        assertThat(browser.get("/app/consents").body()).contains("<html lang=\"sv\"").contains("Dina samtycken");
        // A language the pages do not have changes nothing.
        assertThat(browser.get("/app?lang=de").body()).contains("<html lang=\"sv\"");

        // The switch keeps the page's own query (the donation form's choices), and never doubles lang.
        String donate = browser.get("/app/programmes/" + demoProgrammeId() + "/donate?type=Observation&lang=sv")
                .body();
        assertThat(donate).contains("/donate?type=Observation&amp;lang=en\"").doesNotContain("lang=sv&amp;lang");
    }

    @Test
    void aRefusedSignInSaysWhyInThePersonsLanguage() {
        WebSession browser = new WebSession(http.base(), "fi-FI");
        HttpResponse<String> password = browser.get("/login?error");
        assertThat(password.statusCode()).isEqualTo(200);
        assertThat(password.body()).contains("id=\"sign-in-error\"")
                .contains("Kirjautuminen ei onnistunut. Tarkista käyttäjätunnus ja salasana.");
        HttpResponse<String> weak = browser.get("/login?error=provider&reason=weak");
        assertThat(weak.statusCode()).isEqualTo(200);
        assertThat(weak.body()).contains("tunnistuspalvelu vahvisti henkilöllisyytesi heikommin");
        HttpResponse<String> unknown = browser.get("/login?error=provider&reason=nonsense");
        assertThat(unknown.statusCode()).isEqualTo(200);
        assertThat(unknown.body()).contains("Kirjautuminen ei onnistunut, joten et ole kirjautunut sisään. Yritä "
                + "uudelleen.");
    }

    @Test
    void timesAreInHelsinkiOnA24HourClockAndAnEndDateEndsWithItsDay() {
        String programme = ownProgramme();
        String bob = bob();
        OperatorHttp.Reply link = http.post("/api/v1/me/links", bob, Map.of("sourceId", demoSourceId()));
        assertThat(link.status()).as(link.body()).isIn(201, 409);

        WebSession browser = new WebSession(http.base(), "fi-FI");
        browser.signIn("bob", "bob-demo-password");
        String until = "2031-06-30";
        String query = "?type=Observation&access=statistics&source=" + demoSourceId() + "&until=" + until;
        // The programme has no Finnish text: the page says so, offers English, and signs nothing until one is picked.
        String unpicked = browser.get("/app/programmes/" + programme + "/confirm" + query).body();
        assertThat(unpicked).contains("Tämän ohjelman tekstejä ei ole saatavilla suomeksi.")
                .contains("lang=\"en\" hreflang=\"en\">English</a>").doesNotContain("shownTextSha256")
                .doesNotContain("I consent");
        String confirm = browser.get("/app/programmes/" + programme + "/confirm" + query + "&language=en").body();
        assertThat(confirm).contains("30.6.2031 asti (päivän loppuun)")
                .contains("Luet ja allekirjoitat tekstin kielellä English")
                .contains("id=\"consent-text\" lang=\"en\"")
                // The signed text says the instant: midnight after 30 June in Helsinki (summer time, UTC+3).
                .contains("Until: 2031-06-30T21:00:00Z.");
        Matcher hash = Pattern.compile("name=\"shownTextSha256\" value=\"([^\"]+)\"").matcher(confirm);
        assertThat(hash.find()).isTrue();
        HttpResponse<String> given = browser.post("/app/programmes/" + programme + "/donate", Map.of(
                "type", "Observation", "source", demoSourceId(), "until", until, "shownTextSha256", hash.group(1),
                "access", "statistics", "language", "en", "_csrf", browser.csrfToken()));
        assertThat(given.statusCode()).as(given.body()).isEqualTo(302);
        String consentId = given.headers().firstValue("Location").orElseThrow()
                .replaceAll(".*/app/consents/([0-9a-f-]{36}).*", "$1");

        JsonNode consent = http.get("/api/v1/me/consents/" + consentId, bob).json();
        assertThat(Instant.parse(consent.get("validUntil").asText()))
                .isEqualTo(LocalDate.parse(until).plusDays(1).atStartOfDay(HELSINKI).toInstant());
        Instant created = Instant.parse(consent.get("history").get(0).get("createdAt").asText());

        String page = browser.get("/app/consents/" + consentId).body();
        String helsinki = DateTimeFormatter.ofPattern("d.M.yyyy 'klo' H.mm").format(created.atZone(HELSINKI));
        assertThat(page).contains("30.6.2031 asti (päivän loppuun)").contains(helsinki)
                .contains("Aikavyöhyke: Itä-Euroopan aika.").doesNotContain("UTC").doesNotContain(" PM")
                .doesNotContain(" AM");
        assertThat(signedIn("sv")
                .get("/app/consents/" + consentId).body()).contains("till och med 30.6.2031")
                .contains(DateTimeFormatter.ofPattern("d.M.yyyy 'kl.' H.mm").format(created.atZone(HELSINKI)));
        assertThat(signedIn("en-GB")
                .get("/app/consents/" + consentId).body()).contains("up to and including 30 Jun 2031")
                .contains(DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm", java.util.Locale.ENGLISH)
                        .format(created.atZone(HELSINKI)));
    }

    @Test
    void aFinnishPersonReadsAndSignsInFinnishFromCatalogueToReceiptAndASwedishOneInSwedish() {
        String programme = translatedProgramme();
        assertThat(http.post("/api/v1/me/links", bob(), Map.of("sourceId", demoSourceId())).status()).isIn(201, 409);
        JsonNode listed = http.get("/api/v1/programmes/" + programme, null).json();
        assertThat(listed.get("languages").toString()).isEqualTo("[\"en\",\"fi\",\"sv\"]");

        WebSession swede = signedIn("sv-FI");
        assertThat(swede.get("/app/programmes").body()).contains("<h2>Hjärtstudien</h2>");
        String swedish = swede.get("/app/programmes/" + programme
                + "/confirm?type=Observation&access=statistics&source=" + demoSourceId()).body();
        assertThat(swedish).contains("id=\"consent-text\" lang=\"sv\"")
                .contains("Jag samtycker till att dela mina hälsouppgifter med donationsprogrammet &quot;Hjärtstudien&quot;")
                .doesNotContain("id=\"text-language\"");

        WebSession finn = signedIn("fi");
        String catalogue = finn.get("/app/programmes").body();
        assertThat(catalogue).contains("<h2>Sydäntutkimus</h2>", "English, Suomi, Svenska");
        String query = "?type=Observation&access=statistics&source=" + demoSourceId();
        String confirm = finn.get("/app/programmes/" + programme + "/confirm" + query).body();
        assertThat(confirm).contains("id=\"consent-text\" lang=\"fi\"")
                .contains("Annan suostumukseni terveystietojeni jakamiseen tietojen lahjoitusohjelmalle &quot;Sydäntutkimus&quot;")
                .contains("laboratoriotulokset ja mittaukset (Observation)").doesNotContain("I consent");
        Matcher hash = Pattern.compile("name=\"shownTextSha256\" value=\"([^\"]+)\"").matcher(confirm);
        assertThat(hash.find()).isTrue();
        HttpResponse<String> given = finn.post("/app/programmes/" + programme + "/donate", Map.of("type",
                "Observation", "source", demoSourceId(), "shownTextSha256", hash.group(1), "language", "fi",
                "access", "statistics", "_csrf", finn.csrfToken()));
        assertThat(given.statusCode()).as(given.body()).isEqualTo(302);
        String consentId = given.headers().firstValue("Location").orElseThrow()
                .replaceAll(".*/app/consents/([0-9a-f-]{36}).*", "$1");

        // After the action the page opens on its outcome, which takes the focus.
        assertThat(finn.get("/app/consents/" + consentId).body())
                .contains("class=\"notice\" role=\"status\" id=\"notice\" tabindex=\"-1\" autofocus");
        JsonNode consent = http.get("/api/v1/me/consents/" + consentId, bob()).json();
        assertThat(consent.get("terms").get("language").asText()).isEqualTo("fi");
        assertThat(consent.get("text").asText()).startsWith("Annan suostumukseni");
        String receipt = finn.get("/app/consents/" + consentId + "/receipt").body();
        assertThat(receipt).contains("Luit ja allekirjoitit sen kielellä Suomi.")
                .contains("class=\"consent-text\" lang=\"fi\"").contains("Sydäntutkimus");
        // The receipt as a standard record states the language of the text too.
        OperatorHttp.Reply iso = http.get("/api/v1/me/consents/" + consentId + "/receipt?format=iso27560", bob());
        assertThat(iso.body()).contains("\"dct:language\":\"fi\"");
        OperatorHttp.Reply fhir = http.get("/api/v1/me/consents/" + consentId + "/receipt?format=fhir", bob());
        // Consent.language and the signed record's attachment's language.
        assertThat(Pattern.compile("\"language\"\\s*:\\s*\"fi\"").matcher(fhir.body()).results().count())
                .isEqualTo(2);
    }

    @Test
    void everyFailureOnThePagesIsAFriendlyPageInThePersonsLanguage() throws IOException {
        assertThat(http.post("/api/v1/me/links", bob(), Map.of("sourceId", demoSourceId())).status()).isIn(201, 409);
        WebSession browser = new WebSession(http.base(), "fi");
        browser.signIn("bob", "bob-demo-password");
        String csrf = browser.csrfToken();

        Map<String, HttpResponse<String>> failures = new java.util.LinkedHashMap<>();
        failures.put("unknown consent", browser.get("/app/consents/" + UUID.randomUUID()));
        failures.put("unknown receipt", browser.get("/app/consents/" + UUID.randomUUID() + "/receipt"));
        failures.put("not an id", browser.get("/app/consents/not-an-id"));
        failures.put("no such page", browser.get("/app/no/such/page"));
        failures.put("no such style sheet", browser.get("/app/assets/none.css"));
        failures.put("unknown programme", browser.get("/app/programmes/" + UUID.randomUUID() + "/donate"));
        failures.put("wrong method", browser.post("/app/consents", Map.of("_csrf", csrf)));
        failures.put("a form's URL opened as a page", browser.get("/app/sources/" + demoSourceId() + "/link"));
        // A form without its token is led back to the page that offers it (StaleForms); any other method is refused.
        HttpResponse<String> staleForm = browser.post("/app/sources/" + demoSourceId() + "/link", Map.of());
        assertThat(staleForm.statusCode()).isEqualTo(303);
        assertThat(staleForm.headers().firstValue("Location").orElseThrow()).endsWith("/app/sources?again");
        failures.put("no CSRF token", browser.send("DELETE", "/app/consents/" + UUID.randomUUID()));
        failures.put("pause an unknown consent", browser.post("/app/consents/" + UUID.randomUUID() + "/pause",
                Map.of("_csrf", csrf)));
        failures.put("donate without the shown text", browser.post("/app/programmes/" + demoProgrammeId()
                + "/donate", Map.of("_csrf", csrf)));
        failures.put("too large a form", browser.post("/app/programmes/" + demoProgrammeId() + "/donate",
                Map.of("_csrf", csrf, "type", "x".repeat(2 * 1024 * 1024))));
        Map<String, Integer> expected = Map.ofEntries(Map.entry("too large a form", 413),Map.entry("unknown consent", 404),
                Map.entry("unknown receipt", 404), Map.entry("not an id", 404), Map.entry("no such page", 404),
                Map.entry("no such style sheet", 404), Map.entry("unknown programme", 404),
                Map.entry("wrong method", 405), Map.entry("a form's URL opened as a page", 404),
                Map.entry("no CSRF token", 403), Map.entry("pause an unknown consent", 404),
                Map.entry("donate without the shown text", 400));
        failures.forEach((what, reply) -> {
            assertThat(reply.statusCode()).as(what).isEqualTo(expected.get(what));
            assertThat(reply.headers().firstValue("Content-Type").orElseThrow()).as(what + ": " + reply.body())
                    .startsWith("text/html");
            assertThat(reply.body()).as(what).contains("<html lang=\"fi\"").contains("<h1>Jokin meni vikaan</h1>")
                    // The layout: the menu and the sign-out button of the signed-in person.
                    .contains("Kirjautuneena: bob").contains(">Kirjaudu ulos</button>").contains(">Suostumuksesi</a>")
                    .doesNotContain("Something went wrong").doesNotContain("no consent").doesNotContain("Exception")
                    .doesNotContain("\"status\"").doesNotContain("\tat ");
        });
        assertThat(failures.get("unknown consent").body()).contains("Sivua ei löytynyt.");
        assertThat(failures.get("wrong method").body()).contains("Tätä ei voi tehdä tästä osoitteesta.");
        assertThat(failures.get("wrong method").headers().firstValue("Allow")).isPresent();
        assertThat(failures.get("no CSRF token").body()).contains("Sinulla ei ole oikeutta tähän");
        assertThat(failures.get("too large a form").body()).contains("Lähettämäsi tiedot ovat liian suuria.");

        // Bad input on a form: the page again, with a sentence of the person's language, not the domain's.
        HttpResponse<String> foreignType = browser.get("/app/programmes/" + demoProgrammeId()
                + "/confirm?type=Foo&access=statistics&source=" + demoSourceId());
        assertThat(foreignType.statusCode()).isEqualTo(200);
        String main = foreignType.body().substring(foreignType.body().indexOf("<main"));
        assertThat(main).contains("role=\"alert\"").contains("Ohjelma ei pyydä kaikkia valitsemiasi tietoja.")
                .doesNotContain("is not a FHIR R4 resource type").doesNotContain("Foo");
        // The fields at fault say so to assistive technology, and the notice takes the focus (no script).
        assertThat(main).contains("id=\"notice\" tabindex=\"-1\" autofocus")
                .containsPattern("name=\"type\"[^>]*aria-invalid=\"true\"");
        String noKinds = browser.get("/app/programmes/" + demoProgrammeId() + "/confirm?access=statistics&source="
                + demoSourceId()).body();
        assertThat(noKinds).containsPattern("id=\"type-all\"[^>]*aria-invalid=\"true\"")
                .containsPattern("name=\"source\"[^>]*checked")
                .doesNotContainPattern("name=\"source\"[^>]*aria-invalid");

        // What Spring Security's firewall refuses (a session id in the URL): a page, not a problem document.
        Raw refused = raw("GET /app/consents;jsessionid=0123", "Accept: text/html", "Accept-Language: sv");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.header("Content-Type")).startsWith("text/html");
        assertThat(refused.body()).contains("<html lang=\"sv\"").contains("<h1>Något gick fel</h1>")
                .contains("Sidan fick en adress eller ett formulär som den inte kunde läsa.")
                .contains("/app/assets/app.css").doesNotContain(";jsessionid");

        // What Tomcat refuses before the application runs (a malformed URL): a page too, in the language.
        Raw malformed = raw("GET /app/%zz", "Accept: text/html", "Accept-Language: fi-FI, sv;q=0.5");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.header("Content-Type")).startsWith("text/html");
        assertThat(malformed.body()).contains("<html lang=\"fi\"").contains("<h1>Jokin meni vikaan</h1>")
                .contains("Sivu sai osoitteen tai lomakkeen, jota se ei pystynyt lukemaan.")
                .contains("/app/assets/app.css");

        // A mistyped address outside the pages, opened in a browser: a page in the language, whether the address
        // is none at all or one for programs; a program asking the same keeps its problem document.
        HttpResponse<String> outside = browser.get("/no/such/page");
        assertThat(outside.statusCode()).isEqualTo(404);
        assertThat(outside.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(outside.body()).contains("<html lang=\"fi\"").contains("Sivua ei löytynyt.");
        for (String mistyped : List.of("/api/v1/programmez", "/api/v1/me/consentz")) {
            Raw page = raw("GET " + mistyped, "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
                    "Accept-Language: fi");
            assertThat(page.header("Content-Type")).as(mistyped).startsWith("text/html");
            assertThat(page.body()).as(mistyped).contains("<html lang=\"fi\"").contains("<h1>Jokin meni vikaan</h1>")
                    .doesNotContain("\"status\"");
        }
        assertThat(raw("GET /api/v1/me/consentz", "Accept: text/html", "Accept-Language: fi").body())
                .contains("Tämä osoite on palveluun yhteydessä oleville ohjelmille");
        Raw program = raw("GET /api/v1/me/consentz", "Accept: application/json");
        assertThat(program.status()).isEqualTo(401);
        assertThat(program.header("Content-Type")).startsWith("application/problem+json");
        OperatorHttp.Reply programMissing = http.get("/api/v1/programmez", bob());
        assertThat(programMissing.status()).isEqualTo(404);
        assertThat(programMissing.contentType()).startsWith("application/problem+json");

        // The API and the gateway keep their own error documents.
        Raw api = raw("GET /api/v1/programmes;jsessionid=0123", "Accept: text/html");
        assertThat(api.header("Content-Type")).startsWith("application/problem+json");
        OperatorHttp.Reply apiMissing = http.get("/api/v1/me/consents/" + UUID.randomUUID(), bob());
        assertThat(apiMissing.contentType()).startsWith("application/problem+json");
    }

    private WebSession signedIn(String acceptLanguage) {
        WebSession browser = new WebSession(http.base(), acceptLanguage);
        browser.signIn("bob", "bob-demo-password");
        return browser;
    }

    private String ownProgramme() {
        OperatorHttp.Reply reply = http.post("/api/v1/programmes", admin(), Map.of(
                "name", "Languages test " + UUID.randomUUID(), "description", "d", "organisation", "Test Foundation",
                "purposes", List.of("dpv:ScientificResearch"), "scope", Map.of("resourceTypes", List.of("Observation")),
                "termsUri", "https://example.org/t", "termsVersion", "1", "stewards", List.of("steward-demo")));
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return reply.json().get("id").asText();
    }

    /** A programme offering its texts in all three languages. */
    private String translatedProgramme() {
        OperatorHttp.Reply reply = http.post("/api/v1/programmes", admin(), Map.of(
                "name", "Heart study " + UUID.randomUUID(), "description", "Heart research",
                "organisation", "Heart Foundation", "purposes", List.of("dpv:ScientificResearch"),
                "scope", Map.of("resourceTypes", List.of("Observation")), "termsUri", "https://example.org/t",
                "termsVersion", "1", "stewards", List.of("steward-demo"), "texts", Map.of(
                        "fi", Map.of("name", "Sydäntutkimus", "description", "Sydäntutkimusta",
                                "organisation", "Sydänsäätiö"),
                        "sv", Map.of("name", "Hjärtstudien", "description", "Hjärtforskning",
                                "organisation", "Hjärtstiftelsen"))));
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return reply.json().get("id").asText();
    }

    private String demoSourceId() {
        for (JsonNode source : http.get("/api/v1/sources", admin()).json()) {
            if (source.get("name").asText().equals(DemoConfig.DEMO_SOURCE_NAME)) {
                return source.get("id").asText();
            }
        }
        throw new AssertionError("the demo source is not registered");
    }

    private String demoProgrammeId() {
        for (JsonNode programme : http.get("/api/v1/programmes", null).json()) {
            if (programme.get("name").asText().equals(DemoConfig.DEMO_PROGRAMME_NAME)) {
                return programme.get("id").asText();
            }
        }
        throw new AssertionError("the demo programme is not registered");
    }

    record Raw(int status, String head, String body) {
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    /** A request written by hand: Java's HTTP client will not send a URL the firewall refuses. */
    private Raw raw(String requestLine, String... headers) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(20_000);
            StringBuilder request = new StringBuilder(requestLine)
                    .append(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
            for (String header : headers) {
                request.append(header).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            String head = end < 0 ? text : text.substring(0, end);
            return new Raw(Integer.parseInt(head.split(" ")[1]), head, end < 0 ? "" : text.substring(end + 4));
        }
    }
}
