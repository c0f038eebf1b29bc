package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.OperatorHttp;
import org.mydata.operator.api.OperatorTestBase;
import org.mydata.operator.api.security.EmbeddedAuthorizationServerConfig;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Issue 14 item 4: a second account carrying alice's person identifier cannot link her patient while her
 * link is live; it gets a 409 problem, and alice sees the attempt in the API and on her sources page.
 */
class LinkClaimTest extends OperatorTestBase {
    @Autowired
    RSAKey tokenSigningKey;

    /** A token as an external identity provider would issue it: the person identifier in its claim. */
    private String citizenToken(String subject, String personIdentifier) throws JOSEException {
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(tokenSigningKey.getKeyID())
                .build(), new JWTClaimsSet.Builder().subject(subject).claim("scope", List.of("citizen"))
                .claim("person_identifier", personIdentifier).issuer(http.base())
                .audience(EmbeddedAuthorizationServerConfig.DEFAULT_AUDIENCE)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600))).build());
        jwt.sign(new RSASSASigner(tokenSigningKey));
        return jwt.serialize();
    }

    @Test
    void aSecondAccountClaimingAlicesPatientIsA409ThatAliceSees() throws Exception {
        String demoSource = null;
        for (JsonNode source : http.get("/api/v1/sources", admin()).json()) {
            if (source.get("name").asText().equals("Demo Hospital (Synthea)")) {
                demoSource = source.get("id").asText();
            }
        }
        String alice = alice();
        String aliceLink = null;
        for (JsonNode link : http.get("/api/v1/me/links", alice).json()) {
            if (link.get("sourceId").asText().equals(demoSource) && link.get("status").asText().equals("live")) {
                aliceLink = link.get("id").asText();
            }
        }
        if (aliceLink == null) {
            OperatorHttp.Reply linked = http.post("/api/v1/me/links", alice, Map.of("sourceId", demoSource));
            assertThat(linked.status()).as(linked.body()).isEqualTo(201);
            aliceLink = linked.json().get("id").asText();
        }
        int before = http.get("/api/v1/me/links/refused-claims", alice).json().size();

        String impostor = citizenToken("impostor-" + UUID.randomUUID(),
                DemoFhirSource.demoPersons(1).get(0).identifier().asToken());
        OperatorHttp.Reply claimed = http.post("/api/v1/me/links", impostor, Map.of("sourceId", demoSource));

        assertThat(claimed.status()).as(claimed.body()).isEqualTo(409);
        assertThat(claimed.contentType()).startsWith("application/problem+json");
        assertThat(claimed.json().get("type").asText()).isEqualTo("urn:mydata-operator:problem:conflict");
        assertThat(claimed.json().get("detail").asText()).contains("another account has already linked");
        assertThat(http.get("/api/v1/me/links", impostor).json().size()).isZero();

        JsonNode refused = http.get("/api/v1/me/links/refused-claims", alice).json();
        assertThat(refused.size()).isEqualTo(before + 1);
        JsonNode last = refused.get(refused.size() - 1);
        assertThat(last.get("linkId").asText()).isEqualTo(aliceLink);
        assertThat(last.get("sourceId").asText()).isEqualTo(demoSource);
        assertThat(last.toString()).doesNotContain("impostor");
        assertThat(http.get("/api/v1/me/links/refused-claims", impostor).json().size()).isZero();

        WebSession page = new WebSession(http.base());
        page.signIn("alice", "alice-demo-password");
        assertThat(page.get("/app/sources").body()).contains("class=\"refused-claim\"")
                .contains("another account tried to link your record here");
    }
}
