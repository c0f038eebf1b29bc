package org.mydata.operator.api.representation;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.http.Fault;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.representation.ComingOfAge;
import org.mydata.operator.representation.RepresentationKind;
import org.mydata.operator.representation.RepresentationUnavailableException;

/**
 * The registry adapter against a real HTTP server (WireMock): it reads the documented JSON, asks for the actor by
 * identifier, keeps only relations valid at the instant asked, and fails closed on everything else: an error
 * status, a broken connection, a late answer, an unreadable document, an unknown kind, an entry for another actor.
 */
class HttpRepresentationSourceTest {
    static final PersonIdentifier GUARDIAN = new PersonIdentifier("urn:oid:1.2.246.21", "010180-123A");
    static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");
    static WireMockServer registry;
    HttpRepresentationSource source;

    @BeforeAll
    static void start() {
        registry = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        registry.start();
    }

    @AfterAll
    static void stop() {
        registry.stop();
    }

    @BeforeEach
    void reset() {
        registry.resetAll();
        source = new HttpRepresentationSource(URI.create(registry.baseUrl() + "/registry"), Duration.ofSeconds(1));
    }

    private static void answer(int status, String body) {
        registry.stubFor(get(urlPathEqualTo("/registry/representations")).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(body)));
    }

    @Test
    void readsTheRegistrysRelationsValidNow() {
        answer(200, """
                {"representations": [
                  {"kind": "guardian", "reference": "g-1", "actor": "urn:oid:1.2.246.21|010180-123A",
                   "subject": "urn:oid:1.2.246.21|010115A123B", "subjectName": "Child", "subjectBirthDate": "2015-01-01"},
                  {"kind": "mandate", "reference": "m-1", "actor": "urn:oid:1.2.246.21|010180-123A",
                   "subject": "urn:oid:1.2.246.21|010150-123C", "validFrom": "2025-01-01T00:00:00Z",
                   "validUntil": "2026-01-10T12:00:00Z"},
                  {"kind": "mandate", "reference": "m-2", "actor": "urn:oid:1.2.246.21|010180-123A",
                   "subject": "urn:oid:1.2.246.21|010150-123C", "validUntil": "2026-01-10T12:00:01Z"}
                ]}""");
        var found = source.forActor(GUARDIAN, NOW);
        // m-1 ended at the instant asked (its end is exclusive); the other two hold.
        assertThat(found).extracting(r -> r.reference()).containsExactly("g-1", "m-2");
        assertThat(found.get(0).kind()).isEqualTo(RepresentationKind.GUARDIAN);
        assertThat(found.get(0).subjectBirthDate()).isEqualTo(LocalDate.parse("2015-01-01"));
        assertThat(found.get(1).kind()).isEqualTo(RepresentationKind.MANDATE);
        registry.verify(getRequestedFor(urlPathEqualTo("/registry/representations"))
                .withQueryParam("actor", WireMock.equalTo("urn:oid:1.2.246.21|010180-123A")));
    }

    /** majority: a registry that states when a guardian's subject comes of age; the earlier instant counts. */
    @Test
    void readsWhenAGuardiansSubjectComesOfAge() {
        answer(200, """
                {"representations": [
                  {"kind": "guardian", "reference": "g-2", "actor": "urn:oid:1.2.246.21|010180-123A",
                   "subject": "urn:oid:1.2.246.21|010108A123B", "subjectBirthDate": "2008-06-01",
                   "subjectComesOfAge": "2026-05-31T21:00:00Z"}
                ]}""");
        var found = source.forActor(GUARDIAN, NOW);
        assertThat(found).singleElement().satisfies(r -> {
            assertThat(r.subjectComesOfAge()).isEqualTo(Instant.parse("2026-05-31T21:00:00Z"));
            // The rule on the birth date says the same instant in Helsinki; in a zone where the day begins later,
            // the registry's earlier instant ends the guardian's right.
            assertThat(r.comesOfAge(ComingOfAge.DEFAULT)).isEqualTo(Instant.parse("2026-05-31T21:00:00Z"));
            assertThat(r.comesOfAge(new ComingOfAge(18, Duration.ofDays(90), java.time.ZoneOffset.UTC)))
                    .isEqualTo(Instant.parse("2026-05-31T21:00:00Z"));
            assertThat(r.comesOfAge(new ComingOfAge(17, Duration.ofDays(90), java.time.ZoneOffset.UTC)))
                    .isEqualTo(Instant.parse("2025-06-01T00:00:00Z"));
        });
    }

    @Test
    void noRelationIsAnEmptyAnswerNotAFailure() {
        answer(200, "{\"representations\": []}");
        assertThat(source.forActor(GUARDIAN, NOW)).isEmpty();
    }

    @Test
    void failsClosedOnAnErrorStatus() {
        answer(503, "{}");
        assertThatThrownBy(() -> source.forActor(GUARDIAN, NOW)).isInstanceOf(RepresentationUnavailableException.class);
        answer(404, "{\"representations\": []}");
        assertThatThrownBy(() -> source.forActor(GUARDIAN, NOW)).isInstanceOf(RepresentationUnavailableException.class);
    }

    @Test
    void failsClosedOnABrokenConnectionOrALateAnswer() {
        registry.stubFor(get(urlPathEqualTo("/registry/representations"))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        assertThatThrownBy(() -> source.forActor(GUARDIAN, NOW)).isInstanceOf(RepresentationUnavailableException.class);
        registry.stubFor(get(urlPathEqualTo("/registry/representations")).willReturn(aResponse().withStatus(200)
                .withFixedDelay(3000).withBody("{\"representations\": []}")));
        assertThatThrownBy(() -> source.forActor(GUARDIAN, NOW)).isInstanceOf(RepresentationUnavailableException.class);
    }

    @Test
    void failsClosedOnAnAnswerItCannotReadOrMustNotTrust() {
        answer(200, "not json");
        assertThatThrownBy(() -> source.forActor(GUARDIAN, NOW)).isInstanceOf(RepresentationUnavailableException.class);
        answer(200, "{\"relations\": []}");
        assertThatThrownBy(() -> source.forActor(GUARDIAN, NOW)).isInstanceOf(RepresentationUnavailableException.class);
        answer(200, """
                {"representations": [{"kind": "friend", "reference": "x", "actor": "urn:oid:1.2.246.21|010180-123A",
                  "subject": "urn:oid:1.2.246.21|010150-123C"}]}""");
        assertThatThrownBy(() -> source.forActor(GUARDIAN, NOW)).isInstanceOf(RepresentationUnavailableException.class);
        answer(200, """
                {"representations": [{"kind": "mandate", "reference": "x", "actor": "urn:oid:1.2.246.21|999999-999X",
                  "subject": "urn:oid:1.2.246.21|010150-123C"}]}""");
        assertThatThrownBy(() -> source.forActor(GUARDIAN, NOW)).isInstanceOf(RepresentationUnavailableException.class);
    }
}
