package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.api.security.EmbeddedAuthorizationServerConfig;
import tools.jackson.databind.JsonNode;

/**
 * The research set-up gateway tests share, through the real API: a programme of their own (so the
 * cohort is exactly who the test lets in), citizens linked to the demo source, consents, approved permits.
 */
final class ResearchFixtures {
    static final String DEMO_SOURCE_NAME = "Demo Hospital (Synthea)";

    final OperatorHttp http;
    final String admin;
    final String researcher;
    final String steward;
    final String demoSource;

    ResearchFixtures(OperatorHttp http) {
        this.http = http;
        admin = http.clientToken("admin-demo", "admin-demo-secret", "admin");
        researcher = http.clientToken("researcher-demo", "researcher-demo-secret", "researcher");
        steward = http.clientToken("steward-demo", "steward-demo-secret", "steward");
        String found = null;
        for (JsonNode source : http.get("/api/v1/sources", admin).json()) {
            if (source.get("name").asText().equals(DEMO_SOURCE_NAME)) {
                found = source.get("id").asText();
            }
        }
        assertThat(found).as("the demo source is registered").isNotNull();
        demoSource = found;
    }

    String programme(List<String> types) {
        return programme(types, Map.of());
    }

    /** A programme with the given disclosure settings ({@code disclosure}: the programme's field; empty for the defaults). */
    String programme(List<String> types, Map<String, Object> disclosure) {
        Map<String, Object> body = new HashMap<>(Map.of("name", "Test programme " + UUID.randomUUID(),
                "description", "d", "organisation", "Test Foundation", "purposes", List.of("dpv:ScientificResearch"),
                "scope", Map.of("resourceTypes", types), "termsUri", "https://example.org/t", "termsVersion", "1",
                "stewards", List.of("steward-demo")));
        if (!disclosure.isEmpty()) {
            body.put("disclosure", disclosure);
        }
        OperatorHttp.Reply reply = http.post("/api/v1/programmes", admin, body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return reply.json().get("id").asText();
    }

    /** The citizen's token, with a live link to the demo source (other tests may have made one already). */
    String citizen(String name) {
        String token = http.citizenToken(name, name + "-demo-password");
        boolean linked = false;
        for (JsonNode link : http.get("/api/v1/me/links", token).json()) {
            linked |= link.get("sourceId").asText().equals(demoSource) && link.get("status").asText().equals("live");
        }
        if (!linked) {
            assertThat(http.post("/api/v1/me/links", token, Map.of("sourceId", demoSource)).status()).isEqualTo(201);
        }
        return token;
    }

    /** A consent through the given sources; {@code types} null for the programme's whole scope. */
    String consent(String citizen, String programme, List<String> sources, List<String> types) {
        Map<String, Object> body = new HashMap<>(Map.of("programmeId", programme, "sourceIds", sources));
        if (types != null) {
            body.put("scope", Map.of("resourceTypes", types));
        }
        OperatorHttp.Reply reply = http.post("/api/v1/me/consents", citizen, body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return reply.json().get("id").asText();
    }

    String approvedPermit(String programme, List<String> types, String title) {
        return approve(request(programme, Map.of("resourceTypes", types), title));
    }

    /** A pending data request of the researcher's for the scope (as the API takes it); its id. */
    String request(String programme, Map<String, Object> scope, String title) {
        OperatorHttp.Reply request = http.post("/api/v1/requests", researcher, Map.of("programmeId", programme,
                "title", title, "organisation", "Test University", "purpose", "dpv:AcademicResearch",
                "scope", scope, "justification", "Testing " + title,
                "validUntil", Instant.now().plus(30, ChronoUnit.DAYS).toString()));
        assertThat(request.status()).as(request.body()).isEqualTo(201);
        return request.json().get("id").asText();
    }

    /** The steward's approval of a pending request; the permit's id. */
    String approve(String requestId) {
        OperatorHttp.Reply decided = http.post("/api/v1/requests/" + requestId + "/decision",
                steward, Map.of("decision", "approve"));
        assertThat(decided.status()).as(decided.body()).isEqualTo(200);
        return decided.json().get("permitId").asText();
    }

    void status(String citizen, String consent, String status) {
        assertThat(http.post("/api/v1/me/consents/" + consent + "/status", citizen, Map.of("status", status)).status())
                .isEqualTo(200);
    }

    /**
     * The issuer the embedded authorization server names in its tokens: the operator's public origin, which is
     * {@code http://localhost:<port>} in tests. {@link OperatorTestBase} sets it for the running operator.
     */
    static volatile String issuer;

    /**
     * A token signed with the embedded authorization server's own key, for callers the demo has no client
     * for (another researcher) or token states it will not issue (expired): real signatures, real checks.
     * It names the embedded server as issuer and this operator as audience, as the server's own tokens do.
     */
    static String mintedToken(RSAKey key, String subject, List<String> scopes, Instant expiry) {
        return mintedToken(key, claims(subject, scopes, expiry).build());
    }

    /** The claims of {@link #mintedToken}, for a test that changes some of them. */
    static JWTClaimsSet.Builder claims(String subject, List<String> scopes, Instant expiry) {
        return new JWTClaimsSet.Builder().subject(subject).claim("scope", scopes).issuer(issuer)
                .audience(EmbeddedAuthorizationServerConfig.DEFAULT_AUDIENCE)
                .issueTime(Date.from(expiry.minusSeconds(600))).expirationTime(Date.from(expiry));
    }

    static String mintedToken(RSAKey key, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                    claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
