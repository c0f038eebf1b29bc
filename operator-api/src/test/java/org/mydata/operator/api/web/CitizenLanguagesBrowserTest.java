package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.api.OperatorHttp;
import org.mydata.operator.api.demo.DemoConfig;
import org.mydata.operator.api.security.CitizenSubjects;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.request.DataRequest;
import org.mydata.operator.request.DataRequests;
import org.mydata.operator.request.NewDataRequest;
import org.mydata.operator.programme.DataScope;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A Finnish and a Swedish citizen's journeys in a real headless Chromium whose language is Finnish or Swedish:
 * the sign-in page, link the demo source, read the programmes, donate with an end date (ticking what to share),
 * confirm (the promises, the researchers not yet known, the folds opened), see the consent, its receipt, who used
 * the data and who may read it now, the rights and contacts, pause (who was told), withdraw and ask for erasure,
 * remove the link (nothing more shared from there), read the printable summary, land on error pages, and sign
 * out through the sign-out page. On every page the {@code lang} is the browser's language, known
 * texts of that language are there, and no English text of the message bundle is (the switch's "English",
 * marked {@code lang="en"}, aside), nor any raw {@code ??key??}; the texts to sign (the consent text and the
 * opt-out programme's objection) are in the language and marked so; times are Helsinki's on a 24-hour clock. The
 * language switch changes the language and keeps it.
 *
 * <p>Runs where Debian's {@code chromium} and {@code chromium-driver} are installed, like CitizenPagesBrowserTest.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CitizenLanguagesBrowserTest {
    private static final ZoneId HELSINKI = ZoneId.of("Europe/Helsinki");
    /** English texts shorter than this (yes, no, #) could be a word of another language or a name. */
    private static final int SHORTEST_CHECKED = 3;
    /** Pieces of English texts that are no language: a file name extension. */
    private static final java.util.Set<String> TECHNICAL = java.util.Set.of("jws");

    @LocalServerPort
    int port;
    @Autowired
    DataRequests dataRequests;
    @Autowired
    AccessLog accessLog;
    @Autowired
    Accounts accounts;
    @Autowired
    Consents consents;
    @Autowired
    CitizenSubjects citizenSubjects;

    private OperatorHttp http;
    private WebDriver browser;
    private WebDriverWait wait;
    private Chromium chromium;

    /** An operator of its own, so the journeys start from citizens who have linked and given nothing. */
    @DynamicPropertySource
    static void ownDataDir(DynamicPropertyRegistry registry) throws IOException {
        String dataDir = Files.createTempDirectory("operator-languages").toString();
        registry.add("operator.data-dir", () -> dataDir);
    }

    /** A browser whose user interface and Accept-Language are {@code language}. */
    private void startBrowser(String language, String acceptLanguages) throws IOException {
        http = new OperatorHttp(port);
        chromium = Chromium.start(language, acceptLanguages);
        browser = chromium.browser;
        wait = chromium.wait;
    }

    @AfterEach
    void stopBrowser() throws IOException {
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    void aFinnishCitizensJourney() throws Exception {
        startBrowser("fi", "fi-FI,fi");
        Journey finnish = new Journey("fi", "carol", "carol-demo-password", Map.ofEntries(
                Map.entry("home", "Terveystietosi"), Map.entry("sources", "Terveystietojesi lähteet"),
                Map.entry("sourcesLink", "Tietolähteesi"), Map.entry("linked", "Tietolähde on yhdistetty: Demosairaala"),
                Map.entry("source", "Demosairaala (Synthea)"), Map.entry("programmesLink", "Tutkimusohjelmat"),
                Map.entry("programmes", "Tutkimusohjelmat"), Map.entry("programme", "Avoin terveystietojen lahjoitus"),
                Map.entry("organisation", "MyData-terveystutkimussäätiö (demo)"),
                Map.entry("purpose", "terveys- ja lääketieteellinen tutkimus"),
                Map.entry("kind", "laboratoriotulokset ja mittaukset"), Map.entry("vaccinations", "rokotukset"),
                Map.entry("donateLink", "Lahjoita tietojasi"), Map.entry("continue", "Jatka"),
                Map.entry("confirm", "Tarkista ja vahvista"), Map.entry("until", "30.6.2031 asti (päivän loppuun)"),
                Map.entry("given", "Kiitos! Suostumuksesi on annettu."), Map.entry("status", "Voimassa"),
                Map.entry("accessLink", "Kuka tietojasi on käyttänyt"), Map.entry("access", "Kuka tietojasi on käyttänyt"),
                Map.entry("academic", "akateeminen tutkimus"), Map.entry("records", "42 merkintää"),
                Map.entry("error", "Jokin meni vikaan"), Map.entry("notFound", "Sivua ei löytynyt."),
                Map.entry("signOut", "Kirjaudu ulos"), Map.entry("zone", "Aikavyöhyke: Itä-Euroopan aika."),
                Map.entry("signIn", "Kirjaudu sisään"), Map.entry("signOutPage", "Kirjaudutaanko ulos?"),
                Map.entry("signedOut", "Olet kirjautunut ulos."),
                Map.entry("permitsLink", "Kuka saa lukea tietojasi"), Map.entry("permits", "Kuka saa lukea tietojasi nyt"),
                Map.entry("coverage", "”akateeminen tutkimus” kuuluu käyttötarkoitukseen ”tieteellinen tutkimus”."),
                Map.entry("rights", "Oikeutesi ja yhteystiedot"),
                Map.entry("controller", "Demo-suostumusoperaattori Oy (demo, ei todellinen organisaatio)"),
                Map.entry("authority", "Tietosuojavaltuutetun toimisto"),
                Map.entry("promise", "Ei kaupallista käyttöä"), Map.entry("researchers", "Tutkijat eivät ole vielä tiedossa."),
                Map.entry("told", "suostumuksen keskeyttämisestä"), Map.entry("notifications", "Kenelle on kerrottu"),
                Map.entry("erasure", "Jo luovutetut tiedot"), Map.entry("erasureAsked", "Pyysit "),
                Map.entry("linkRemoved", "yhteys poistettu"), Map.entry("summary", "Kaikki sinusta tallennetut tiedot"),
                Map.entry("accessNone", "Valitse, miten tutkijat voivat saada tietosi"),
                Map.entry("accessRecords", "Tilastoihin ja pseudonymisoituina tietoina"),
                Map.entry("signedText", "Annan suostumukseni terveystietojeni jakamiseen"),
                Map.entry("optOutProgramme", "Eurooppalaisen terveystietoalueen tutkimus"),
                Map.entry("objection", "Kieltäydyn siitä, että ohjelma")),
                DateTimeFormatter.ofPattern("d.M.yyyy 'klo' H.mm"));
        finnish.walk();

        // The switch (here on the sign-in page the journey ends on): Swedish from here on, kept from page to page
        // and through signing in, although the browser still asks for Finnish.
        browser.findElement(By.cssSelector("nav.languages a[hreflang='sv']")).click();
        wait.until(d -> "sv".equals(lang()));
        waitForHeading("Logga in");
        assertNoEnglish("sv");
        signIn("carol", "carol-demo-password");
        waitForHeading("Dina hälsouppgifter");
        browser.findElement(By.linkText("Dina samtycken")).click();
        waitForHeading("Dina samtycken");
        assertThat(lang()).isEqualTo("sv");
        assertNoEnglish("sv");
    }

    @Test
    void aSwedishCitizensJourney() throws Exception {
        startBrowser("sv", "sv-FI,sv");
        Journey swedish = new Journey("sv", "bob", "bob-demo-password", Map.ofEntries(
                Map.entry("home", "Dina hälsouppgifter"), Map.entry("sources", "Dina källor för hälsouppgifter"),
                Map.entry("sourcesLink", "Dina datakällor"), Map.entry("linked", "Demosjukhuset (Synthea) är nu ansluten"),
                Map.entry("source", "Demosjukhuset (Synthea)"), Map.entry("programmesLink", "Forskningsprogram"),
                Map.entry("programmes", "Forskningsprogram"), Map.entry("programme", "Öppen donation av hälsouppgifter"),
                Map.entry("organisation", "Stiftelsen för MyData-hälsoforskning (demo)"),
                Map.entry("purpose", "hälsovetenskaplig och medicinsk forskning"),
                Map.entry("kind", "laboratorieresultat och mätningar"), Map.entry("vaccinations", "vaccinationer"),
                Map.entry("donateLink", "Donera dina uppgifter"), Map.entry("continue", "Fortsätt"),
                Map.entry("confirm", "Kontrollera och bekräfta"), Map.entry("until", "till och med 30.6.2031"),
                Map.entry("given", "Tack! Ditt samtycke är givet"), Map.entry("status", "Aktivt"),
                Map.entry("accessLink", "Vem har använt dina uppgifter"),
                Map.entry("access", "Vem har använt dina uppgifter"),
                Map.entry("academic", "akademisk forskning"), Map.entry("records", "42 uppgifter"),
                Map.entry("error", "Något gick fel"), Map.entry("notFound", "Vi hittade inte sidan."),
                Map.entry("signOut", "Logga ut"), Map.entry("zone", "Tidszon: östeuropeisk tid."),
                Map.entry("signIn", "Logga in"), Map.entry("signOutPage", "Logga ut?"),
                Map.entry("signedOut", "Du har loggat ut."),
                Map.entry("permitsLink", "Vem får läsa dina uppgifter"),
                Map.entry("permits", "Vem får läsa dina uppgifter nu"),
                Map.entry("coverage", "”akademisk forskning” ingår i ändamålet ”vetenskaplig forskning”."),
                Map.entry("rights", "Dina rättigheter och kontaktuppgifter"),
                Map.entry("controller", "Demo-samtyckesoperatören Ab (demo, ingen verklig organisation)"),
                Map.entry("authority", "Dataombudsmannens byrå"),
                Map.entry("promise", "Icke-kommersiellt"), Map.entry("researchers", "Forskarna är inte kända än."),
                Map.entry("told", "din paus"), Map.entry("notifications", "Vem som har underrättats"),
                Map.entry("erasure", "Uppgifter som redan lämnats ut"), Map.entry("erasureAsked", "Du begärde "),
                Map.entry("linkRemoved", "anslutningen togs bort"), Map.entry("summary", "Allt vi har om dig"),
                Map.entry("accessNone", "Välj hur forskarna får ta emot dina uppgifter"),
                Map.entry("accessRecords", "Statistik och pseudonymiserade uppgifter"),
                Map.entry("signedText", "Jag samtycker till att dela mina hälsouppgifter"),
                Map.entry("optOutProgramme", "Forskning inom det europeiska hälsodataområdet"),
                Map.entry("objection", "Jag avstår från att mina hälsouppgifter används")),
                DateTimeFormatter.ofPattern("d.M.yyyy 'kl.' H.mm"));
        swedish.walk();

        browser.findElement(By.cssSelector("nav.languages a[hreflang='fi']")).click();
        wait.until(d -> "fi".equals(lang()));
        waitForHeading("Kirjaudu sisään");
        assertNoEnglish("fi");
        signIn("bob", "bob-demo-password");
        waitForHeading("Terveystietosi");
        browser.findElement(By.linkText("Etusivu")).click();
        waitForHeading("Terveystietosi");
        assertThat(lang()).isEqualTo("fi");
        assertNoEnglish("fi");
    }

    /** One citizen's way through the pages in one language; {@code text} holds what that language says. */
    private final class Journey {
        private final String language;
        private final String username;
        private final String password;
        private final Map<String, String> text;
        private final DateTimeFormatter dateTime;

        Journey(String language, String username, String password, Map<String, String> text,
                DateTimeFormatter dateTime) {
            this.language = language;
            this.username = username;
            this.password = password;
            this.text = text;
            this.dateTime = dateTime;
        }

        void walk() {
            open("/app");
            // The sign-in page: the pages' own, in the language, with the switch.
            waitForHeading(text.get("signIn"));
            assertThat(browser.findElements(By.cssSelector("nav.languages a[hreflang]"))).hasSize(3);
            page();
            signIn(username, password);
            waitForHeading(text.get("home"));
            page();
            assertThat(browser.findElement(By.tagName("header")).getText()).contains(text.get("signOut"));
            assertThat(browser.findElement(By.tagName("footer")).getText()).contains(text.get("zone"));

            browser.findElement(By.linkText(text.get("sourcesLink"))).click();
            waitForHeading(text.get("sources"));
            browser.findElement(By.cssSelector("article[data-source='" + DemoConfig.DEMO_SOURCE_NAME + "'] button"))
                    .click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"),
                    text.get("linked")));
            page();

            browser.findElement(By.linkText(text.get("programmesLink"))).click();
            waitForHeading(text.get("programmes"));
            WebElement programme = browser.findElement(By.cssSelector("article.programme"));
            assertThat(programme.getText()).contains(text.get("programme"), text.get("organisation"),
                    text.get("purpose"), text.get("kind"), text.get("vaccinations"));
            page();
            Screenshots.take(browser, "programmes-" + language, null);

            // The opt-out programme's confirmation: its name and the objection to sign are in the language.
            browser.findElement(By.cssSelector("a[href$='/opt-out']")).click();
            wait.until(ExpectedConditions.presenceOfElementLocated(By.id("opt-out-text")));
            assertThat(browser.findElement(By.tagName("h1")).getText()).contains(text.get("optOutProgramme"));
            assertThat(browser.getTitle()).contains(text.get("optOutProgramme"));
            assertThat(browser.findElement(By.id("opt-out-text")).getAttribute("lang")).isEqualTo(language);
            assertThat(browser.findElement(By.id("opt-out-text")).getText()).startsWith(text.get("objection"))
                    .contains(text.get("optOutProgramme"));
            openFolds();
            page();
            browser.findElement(By.linkText(text.get("programmesLink"))).click();
            waitForHeading(text.get("programmes"));
            programme = browser.findElement(By.cssSelector("article.programme"));

            programme.findElement(By.partialLinkText(text.get("donateLink"))).click();
            waitForHeading(text.get("programme"));
            page();
            // Nothing starts ticked: the person ticks what they share.
            checkbox(text.get("kind")).click();
            // A date field's typing depends on the browser's locale; the value itself is ISO everywhere.
            ((JavascriptExecutor) browser).executeScript("document.getElementById('until').value = '2031-06-30'");
            // How researchers may receive the data: nothing pre-selected, and choosing nothing is refused kindly.
            assertThat(browser.findElements(By.cssSelector("input[name='access']"))).hasSize(2)
                    .noneMatch(WebElement::isSelected);
            browser.findElement(By.xpath("//button[normalize-space()='" + text.get("continue") + "']")).click();
            waitForHeading(text.get("programme"));
            assertThat(browser.findElement(By.id("access-error")).getText()).contains(text.get("accessNone"));
            assertThat(browser.findElements(By.cssSelector("input[name='access']"))).noneMatch(WebElement::isSelected);
            page();
            assertThat(browser.findElement(By.cssSelector("label[for='access-records']")).getText())
                    .isEqualTo(text.get("accessRecords"));
            browser.findElement(By.id("access-records")).click();
            browser.findElement(By.xpath("//button[normalize-space()='" + text.get("continue") + "']")).click();

            waitForHeading(text.get("confirm"));
            String summary = browser.findElement(By.id("summary")).getText();
            assertThat(summary).contains(text.get("programme"), text.get("kind"), text.get("source"),
                    text.get("until"), text.get("accessRecords")).doesNotContain(text.get("vaccinations"));
            // The text to sign is in the reader's language, and marked so.
            assertThat(browser.findElement(By.id("consent-text")).getAttribute("lang")).isEqualTo(language);
            assertThat(browser.findElement(By.id("consent-text")).getAttribute("textContent"))
                    .startsWith(text.get("signedText")).contains(text.get("programme"));
            assertThat(browser.findElement(By.id("promises")).getText()).contains(text.get("promise"));
            assertThat(browser.findElement(By.id("researchers")).getText()).contains(text.get("researchers"));
            page();
            // The folds, opened: their words are the language's too (the signed text aside).
            Screenshots.take(browser, "confirmation-" + language, null);
            openFolds();
            page();
            browser.findElement(By.id("confirm")).click();

            wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "active"));
            assertThat(browser.findElement(By.cssSelector(".notice")).getText()).contains(text.get("given"));
            assertThat(browser.findElement(By.id("consent-status")).getText()).contains(text.get("status"));
            UUID consentId = UUID.fromString(browser.getCurrentUrl()
                    .replaceAll(".*/app/consents/([0-9a-f-]{36}).*", "$1"));
            String main = browser.findElement(By.tagName("main")).getText();
            assertThat(main).contains(text.get("until"));
            assertThat(browser.findElement(By.id("consent-access")).getText()).isEqualTo(text.get("accessRecords"));
            // When it was given: Helsinki time on a 24-hour clock, in the language's own pattern.
            Instant given = consents.list(accounts.forSubject(citizenSubjects.subjectOf(username))).stream()
                    .filter(c -> c.id().equals(consentId)).findFirst().orElseThrow().createdAt();
            assertThat(main).contains(dateTime.format(given.atZone(HELSINKI)));
            assertThat(Pattern.compile("\\b(AM|PM|UTC)\\b").matcher(main).find()).isFalse();
            page();

            browser.findElement(By.id("receipt")).click();
            wait.until(ExpectedConditions.presenceOfElementLocated(By.id("fingerprint")));
            page();
            openFolds();
            page();

            researcherReads(username, consentId);
            browser.findElement(By.linkText(text.get("accessLink"))).click();
            waitForHeading(text.get("access"));
            assertThat(browser.findElement(By.id("access-log")).getText()).contains(text.get("academic"),
                    text.get("records"), text.get("programme"), text.get("kind"));
            page();

            // Who may read the data now: the project's permit, its purpose explained in the language.
            browser.findElement(By.linkText(text.get("permitsLink"))).click();
            waitForHeading(text.get("permits"));
            assertThat(browser.findElement(By.cssSelector("article[data-permit]")).getText())
                    .contains(text.get("programme"), text.get("coverage"), text.get("kind"));
            page();
            Screenshots.take(browser, "permits-" + language, null);

            // The rights and contacts, from the footer: the demo's contacts and the Ombudsman in the language.
            browser.findElement(By.id("rights-link")).click();
            waitForHeading(text.get("rights"));
            assertThat(browser.findElement(By.id("controller")).getText()).contains(text.get("controller"));
            assertThat(browser.findElement(By.id("authority")).getText()).contains(text.get("authority"));
            page();

            // The consent page's new parts: the promises, who was told of a pause, the folds.
            open("/app/consents/" + consentId);
            browser.findElement(By.id("pause")).click();
            wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "paused"));
            assertThat(browser.findElement(By.tagName("main")).getText()).contains(text.get("promise"));
            assertThat(browser.findElement(By.id("notifications")).getText()).contains(text.get("notifications"),
                    text.get("told"));
            page();
            openFolds();
            page();

            // Withdrawn: the erasure request, its record in words and with the time in Helsinki's clock.
            browser.findElement(By.id("withdraw")).click();
            wait.until(ExpectedConditions.presenceOfElementLocated(By.id("withdraw-confirm")));
            page();
            browser.findElement(By.id("withdraw-confirm")).click();
            wait.until(ExpectedConditions.attributeToBe(By.id("consent-status"), "data-status", "withdrawn"));
            assertThat(browser.findElement(By.id("erasure")).getText()).contains(text.get("erasure"));
            page();
            browser.findElement(By.id("request-erasure")).click();
            wait.until(ExpectedConditions.presenceOfElementLocated(By.id("erasure-requested")));
            assertThat(browser.findElement(By.id("erasure-requested")).getText()).startsWith(text.get("erasureAsked"));
            assertThat(Pattern.compile("\\b(AM|PM|UTC)\\b").matcher(browser.findElement(By.tagName("main"))
                    .getText()).find()).isFalse();
            page();

            // A removed link: the remove page, then the consent says nothing more is shared from there.
            open("/app/sources");
            browser.findElement(By.cssSelector("a[href*='/remove']")).click();
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("main form button[type='submit']")));
            page();
            browser.findElement(By.cssSelector("main form button[type='submit']")).click();
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".notice")));
            page();
            open("/app/consents/" + consentId);
            assertThat(browser.findElement(By.cssSelector("#consent-sources li[data-live='false']")).getText())
                    .contains(text.get("linkRemoved"));
            page();

            // The printable summary of everything.
            open("/app/export/summary");
            waitForHeading(text.get("summary"));
            page();

            // An error page: in the language, with the menu and the sign-out button.
            open("/app/consents/" + UUID.randomUUID());
            waitForHeading(text.get("error"));
            assertThat(browser.findElement(By.id("problem")).getText()).contains(text.get("notFound"));
            assertThat(browser.findElement(By.tagName("header")).getText()).contains(text.get("signOut"),
                    text.get("sourcesLink"));
            page();
            open("/app/no/such/page");
            waitForHeading(text.get("error"));
            page();

            // Signing out: the pages' own sign-out page, then the sign-in page that says so.
            open("/logout");
            waitForHeading(text.get("signOutPage"));
            page();
            browser.findElement(By.id("sign-out")).click();
            wait.until(ExpectedConditions.presenceOfElementLocated(By.id("signed-out")));
            assertThat(browser.findElement(By.id("signed-out")).getText()).contains(text.get("signedOut"));
            page();
        }

        /** Opens every closed fold of the page ("the exact text", "for auditors"), so its words are seen. */
        private void openFolds() {
            ((JavascriptExecutor) browser).executeScript(
                    "document.querySelectorAll('details').forEach(d => d.open = true);");
        }

        /** This page is in the journey's language through and through, with no key left unresolved. */
        private void page() {
            assertThat(lang()).as(browser.getCurrentUrl()).isEqualTo(language);
            assertThat(Pattern.compile("\\?\\?[\\w.-]+\\?\\?").matcher(browser.getPageSource()).find())
                    .as("a raw message key on " + browser.getCurrentUrl()).isFalse();
            assertNoEnglish(language);
        }
    }

    private String lang() {
        return browser.findElement(By.tagName("html")).getAttribute("lang");
    }

    /**
     * No English text of the message bundle is visible on the page, outside what is marked {@code lang="en"}
     * (the signed consent text, the switch's "English"). Each English text is looked for in its pieces
     * between arguments, as whole words; texts that are rightly the same in the page's language are left out.
     */
    private void assertNoEnglish(String language) {
        String visible = (String) ((JavascriptExecutor) browser).executeScript(
                "const copy = document.body.cloneNode(true);"
                        + "copy.querySelectorAll('[lang=en]').forEach(e => e.remove());"
                        + "return copy.innerText;");
        Properties english = MessageBundlesTest.bundle("messages.properties");
        Properties translated = MessageBundlesTest.bundle("messages_" + language + ".properties");
        List<String> found = new ArrayList<>();
        for (String key : english.stringPropertyNames()) {
            String value = english.getProperty(key);
            if (key.startsWith("format.") || value.equals(translated.getProperty(key))) {
                continue;
            }
            for (String piece : value.split("\\{[^}]*}")) {
                String words = piece.replaceAll("^[\\p{Punct}\\s–…’]+|[\\p{Punct}\\s–…’]+$", "");
                if (words.length() >= SHORTEST_CHECKED && !TECHNICAL.contains(words) && Pattern.compile("(?<![\\p{L}\\d])" + Pattern.quote(words)
                        + "(?![\\p{L}\\d])").matcher(visible).find()) {
                    found.add(key + ": " + words);
                }
            }
        }
        assertThat(found).as("English on " + browser.getCurrentUrl()).isEmpty();
    }

    private void open(String path) {
        browser.get(http.base() + path);
    }

    private void signIn(String username, String password) {
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys(username);
        browser.findElement(By.id("password")).sendKeys(password);
        browser.findElement(By.cssSelector("button[type='submit']")).click();
    }

    private void waitForHeading(String heading) {
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), heading));
    }

    private WebElement checkbox(String label) {
        WebElement forIt = browser.findElement(By.xpath("//label[normalize-space()='" + label + "']"));
        return browser.findElement(By.id(forIt.getAttribute("for")));
    }

    /** Stands in for the FHIR gateway: a steward-approved project reads 42 of the citizen's resources. */
    private void researcherReads(String username, UUID consentId) {
        UUID programmeId = null;
        for (var programme : http.get("/api/v1/programmes", null).json()) {
            if (programme.get("name").asText().equals(DemoConfig.DEMO_PROGRAMME_NAME)) {
                programmeId = UUID.fromString(programme.get("id").asText());
            }
        }
        DataRequest request = dataRequests.submit("researcher-demo", new NewDataRequest(programmeId,
                "Kidney function after diabetes diagnosis", "University of Oulu (demo)", "dpv:AcademicResearch",
                DataScope.ofTypes(List.of("Observation")), "Cohort study of eGFR trends.",
                Instant.now().plus(365, ChronoUnit.DAYS)));
        DataRequest approved = dataRequests.decide(DemoConfig.DEMO_STEWARD, request.id(),
                DataRequests.Decision.APPROVE, "Approved by the data access committee.");
        UUID account = accounts.forSubject(citizenSubjects.subjectOf(username)).id();
        accessLog.record(new AccessEvent(UUID.randomUUID(), approved.permitId(), "researcher-demo", "search-type",
                List.of("Observation"), 42, List.of(new PersonAccess(account, consentId, 42)), Instant.now()));
    }
}
