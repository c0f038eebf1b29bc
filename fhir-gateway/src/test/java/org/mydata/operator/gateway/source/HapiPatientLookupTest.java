package org.mydata.operator.gateway.source;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.demo.DemoPerson;
import org.mydata.operator.gateway.testing.BundledDemoSource;
import org.mydata.operator.link.PatientMatch;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceAuth;

class HapiPatientLookupTest {

    private static final PersonIdentifier PERSON = new PersonIdentifier("urn:oid:1.2.246.21", "010190-123A");
    private static final String FHIR_JSON = "application/fhir+json";

    private static WireMockServer wireMock;
    /** Timeouts short enough that a WireMock reset that never arrives costs little, long enough for a busy CI machine. */
    private final HapiPatientLookup lookup = new HapiPatientLookup(BundledDemoSource.FHIR, Duration.ofSeconds(2), Duration.ofSeconds(3));
    private final HapiPatientLookup impatientLookup = new HapiPatientLookup(BundledDemoSource.FHIR, Duration.ofSeconds(2), Duration.ofMillis(500));
    /** The defaults: the demo source's first answers come from a cold JVM. */
    private final HapiPatientLookup demoLookup = new HapiPatientLookup(BundledDemoSource.FHIR);

    @BeforeAll
    static void startWireMock() {
        wireMock = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        wireMock.start();
    }

    @AfterAll
    static void stopWireMock() {
        wireMock.stop();
    }

    @BeforeEach
    void resetWireMock() {
        wireMock.resetAll();
    }

    @Test
    void findsAPersonAtTheDemoSource() {
        DemoPerson person = DemoFhirSource.demoPersons(2).get(1);

        PatientMatch match = demoLookup.findByIdentifier(source(BundledDemoSource.baseUrl(), new SourceAuth.None()), person.identifier());

        assertThat(match).isEqualTo(new PatientMatch.Found(person.patientId()));
    }

    @Test
    void aPersonTheDemoSourceDoesNotKnowIsNotFound() {
        PatientMatch match = demoLookup.findByIdentifier(source(BundledDemoSource.baseUrl(), new SourceAuth.None()),
                new PersonIdentifier(DemoPerson.SSN_SYSTEM, "000-00-0000"));

        assertThat(match).isEqualTo(new PatientMatch.NotFound());
    }

    @Test
    void asksForTheIdentifierAndAtMostTwoMatches() {
        stubSearch(okFhir(bundle(patient("p1", PERSON))));

        PatientMatch match = lookup.findByIdentifier(wireMockSource(new SourceAuth.None()), PERSON);

        assertThat(match).isEqualTo(new PatientMatch.Found("p1"));
        wireMock.verify(getRequestedFor(urlPathEqualTo("/fhir/Patient"))
                .withQueryParam("identifier", equalTo(PERSON.asToken()))
                .withQueryParam("_count", equalTo("2")));
    }

    @Test
    void twoPatientsWithTheIdentifierAreAmbiguous() {
        stubSearch(okFhir(bundle(patient("p1", PERSON), patient("p2", PERSON))));

        assertThat(lookup.findByIdentifier(wireMockSource(new SourceAuth.None()), PERSON)).isEqualTo(new PatientMatch.Ambiguous(2));
    }

    @Test
    void aPatientWithoutTheIdentifierMeansTheSourceIgnoredTheSearch() {
        stubSearch(okFhir(bundle(patient("someone-else", new PersonIdentifier("urn:other", "1")))));

        SourceUnavailableException e = unavailable(wireMockSource(new SourceAuth.None()));

        assertThat(e.timedOut()).isFalse();
    }

    @Test
    void aServerErrorMakesTheSourceUnavailable() {
        stubSearch(aResponse().withStatus(500).withBody("boom"));

        SourceUnavailableException e = unavailable(wireMockSource(new SourceAuth.None()));

        assertThat(e.timedOut()).isFalse();
        assertThat(e.getMessage()).contains("'wiremock'").contains("500");
    }

    @Test
    void anAnswerSlowerThanTheSocketTimeoutTimesOut() {
        stubSearch(okFhir(bundle()).withFixedDelay(3_000));

        SourceUnavailableException e = unavailable(impatientLookup, wireMockSource(new SourceAuth.None()));

        assertThat(e.timedOut()).isTrue();
    }

    @Test
    void aResetConnectionMakesTheSourceUnavailable() {
        stubSearch(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));

        // No assertion on timedOut: on some JDKs and platforms WireMock's reset never reaches the client
        // (wiremock/wiremock#2033), which then waits out its socket timeout, hence the impatient lookup.
        // The next test resets for sure.
        unavailable(impatientLookup, wireMockSource(new SourceAuth.None()));
    }

    @Test
    void aConnectionResetWhileWaitingIsNotATimeout() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread resetter = new Thread(() -> resetEveryConnection(server));
            resetter.setDaemon(true);
            resetter.start();

            SourceUnavailableException e = unavailable(source("http://127.0.0.1:" + server.getLocalPort() + "/fhir", new SourceAuth.None()));

            assertThat(e.timedOut()).isFalse();
            assertThat(e.getMessage()).contains("broke off the connection");
        }
    }

    @Test
    void aRefusedConnectionMakesTheSourceUnavailable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        SourceUnavailableException e = unavailable(source("http://127.0.0.1:" + closedPort + "/fhir", new SourceAuth.None()));

        assertThat(e.timedOut()).isFalse();
    }

    @Test
    void aBodyThatIsNotFhirMakesTheSourceUnavailable() {
        stubSearch(aResponse().withStatus(200).withHeader("Content-Type", FHIR_JSON).withBody("<<not json at all"));

        assertThat(unavailable(wireMockSource(new SourceAuth.None())).timedOut()).isFalse();
    }

    @Test
    void anotherResourceTypeInsteadOfABundleMakesTheSourceUnavailable() {
        stubSearch(okFhir(patient("p1", PERSON)));

        assertThat(unavailable(wireMockSource(new SourceAuth.None())).timedOut()).isFalse();
    }

    @Test
    void sendsBasicCredentials() {
        wireMock.stubFor(get(urlPathEqualTo("/fhir/Patient")).withBasicAuth("operator", "s3cret")
                .willReturn(okFhir(bundle(patient("p1", PERSON)))));

        PatientMatch match = lookup.findByIdentifier(wireMockSource(new SourceAuth.Basic("operator", "s3cret")), PERSON);

        assertThat(match).isEqualTo(new PatientMatch.Found("p1"));
    }

    @Test
    void fetchesAClientCredentialsTokenOnceAndSendsItAsBearer() {
        wireMock.stubFor(post(urlPathEqualTo("/token")).withBasicAuth("operator-client", "client-secret")
                .withRequestBody(containing("grant_type=client_credentials"))
                .willReturn(okJson("{\"access_token\":\"token-123\",\"token_type\":\"Bearer\",\"expires_in\":3600}")));
        wireMock.stubFor(get(urlPathEqualTo("/fhir/Patient")).withHeader("Authorization", equalTo("Bearer token-123"))
                .willReturn(okFhir(bundle(patient("p1", PERSON)))));
        FhirSource source = wireMockSource(new SourceAuth.ClientCredentials(
                URI.create(wireMock.baseUrl() + "/token"), "operator-client", "client-secret", "system/Patient.read"));

        PatientMatch first = lookup.findByIdentifier(source, PERSON);
        PatientMatch second = lookup.findByIdentifier(source, PERSON);

        assertThat(first).isEqualTo(new PatientMatch.Found("p1"));
        assertThat(second).isEqualTo(first);
        wireMock.verify(1, postRequestedFor(urlPathEqualTo("/token")).withRequestBody(containing("scope=system%2FPatient.read")));
        wireMock.verify(2, getRequestedFor(urlPathEqualTo("/fhir/Patient")));
    }

    @Test
    void aRefusedTokenRequestMakesTheSourceUnavailable() {
        wireMock.stubFor(post(urlPathEqualTo("/token")).willReturn(aResponse().withStatus(401)));
        FhirSource source = wireMockSource(new SourceAuth.ClientCredentials(
                URI.create(wireMock.baseUrl() + "/token"), "operator-client", "wrong", null));

        assertThat(unavailable(source).timedOut()).isFalse();
        wireMock.verify(0, getRequestedFor(urlPathEqualTo("/fhir/Patient")));
    }

    /** Reads each request's first bytes, then closes with SO_LINGER 0, which makes the kernel send a TCP RST. */
    private static void resetEveryConnection(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket connection = server.accept()) {
                connection.getInputStream().read(new byte[1024]);
                connection.setSoLinger(true, 0);
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** Fails the test unless the lookup fails as unavailable, with a message that names the source and not the person. */
    private SourceUnavailableException unavailable(FhirSource source) {
        return unavailable(lookup, source);
    }

    private static SourceUnavailableException unavailable(HapiPatientLookup lookup, FhirSource source) {
        SourceUnavailableException e = catchThrowableOfType(SourceUnavailableException.class, () -> lookup.findByIdentifier(source, PERSON));
        assertThat(e).as("a SourceUnavailableException").isNotNull();
        assertThat(e.getMessage()).contains(source.name()).doesNotContain(PERSON.value()).doesNotContain("123A");
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            assertThat(String.valueOf(cause.getMessage())).doesNotContain("123A");
        }
        return e;
    }

    private static void stubSearch(com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder response) {
        wireMock.stubFor(get(urlPathEqualTo("/fhir/Patient")).willReturn(response));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder okFhir(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", FHIR_JSON).withBody(body);
    }

    private static FhirSource wireMockSource(SourceAuth auth) {
        return new FhirSource(UUID.randomUUID(), "wiremock", URI.create(wireMock.baseUrl() + "/fhir"), auth, Instant.now());
    }

    private static FhirSource source(String baseUrl, SourceAuth auth) {
        return new FhirSource(UUID.randomUUID(), "demo", URI.create(baseUrl), auth, Instant.now());
    }

    private static String bundle(String... patients) {
        StringBuilder entries = new StringBuilder();
        for (String patient : patients) {
            entries.append(entries.isEmpty() ? "" : ",").append("{\"resource\":").append(patient).append(",\"search\":{\"mode\":\"match\"}}");
        }
        return "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":" + patients.length + ",\"entry\":[" + entries + "]}";
    }

    private static String patient(String id, PersonIdentifier identifier) {
        return "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"identifier\":[{\"system\":\"" + identifier.system()
                + "\",\"value\":\"" + identifier.value() + "\"}]}";
    }
}
