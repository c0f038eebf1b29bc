package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mydata.operator.api.BulkClient.get;
import static org.mydata.operator.api.BulkClient.kickOff;
import static org.mydata.operator.api.BulkClient.parse;
import static org.mydata.operator.api.BulkClient.poll;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.api.demo.DemoConfig;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * A bulk client as SMART Backend Services describe it: it knows the FHIR base and holds its private key, and
 * nothing else. It discovers the token endpoint at the base, authenticates with a JWT it signs itself
 * (private_key_jwt, RFC 7523) for a SMART system scope, and exports. A key the server does not know gets no token.
 */
class SmartBackendServicesExportTest extends OperatorTestBase {
    @Autowired
    OperatorProperties properties;

    @Test
    void aBulkClientDiscoversAuthenticatesWithItsKeyAndExports() throws Exception {
        RSAKey key = RSAKey.parse(Files.readString(properties.dataDir().resolve("keys")
                .resolve(DemoConfig.BULK_RESEARCHER + ".jwk.json")));
        String client = DemoConfig.BULK_RESEARCHER;

        // Set-up through the API: the bulk client asks for data (as a researcher), a steward approves.
        ResearchFixtures fixtures = new ResearchFixtures(http);
        String programme = fixtures.programme(List.of("Patient", "Observation"));
        fixtures.consent(fixtures.citizen("carol"), programme, List.of(fixtures.demoSource), null);
        String setUpToken = token(http.base() + "/oauth2/token", client, key, "researcher");
        OperatorHttp.Reply request = http.post("/api/v1/requests", setUpToken, Map.of("programmeId", programme,
                "title", "SMART study", "organisation", "Test University", "purpose", "dpv:AcademicResearch",
                "scope", Map.of("resourceTypes", List.of("Patient", "Observation")), "justification", "Testing",
                "validUntil", Instant.now().plus(30, ChronoUnit.DAYS).toString()));
        assertThat(request.status()).as(request.body()).isEqualTo(201);
        String permit = http.post("/api/v1/requests/" + request.json().get("id").asText() + "/decision",
                fixtures.steward, Map.of("decision", "approve")).json().get("permitId").asText();

        // From here on, only the base URL and the key.
        String base = http.base() + "/fhir/" + permit;
        HttpResponse<String> discovery = get(base + "/.well-known/smart-configuration", null);
        assertThat(discovery.statusCode()).as(discovery.body()).isEqualTo(200);
        JsonNode smart = OperatorHttp.JSON.readTree(discovery.body());
        String tokenEndpoint = smart.get("token_endpoint").asText();
        assertThat(tokenEndpoint).isEqualTo(http.base() + "/oauth2/token");
        assertThat(smart.get("grant_types_supported").toString()).contains("client_credentials");
        assertThat(smart.get("token_endpoint_auth_methods_supported").toString()).contains("private_key_jwt");
        assertThat(smart.get("token_endpoint_auth_signing_alg_values_supported").toString()).contains("RS384");
        assertThat(smart.get("scopes_supported").toString()).contains("system/*.read");
        assertThat(smart.get("capabilities").toString()).contains("client-confidential-asymmetric");
        // The same document for any base, so it tells nobody which permits exist.
        assertThat(get(http.base() + "/fhir/" + UUID.randomUUID() + "/.well-known/smart-configuration", null).body())
                .isEqualTo(discovery.body());

        String token = token(tokenEndpoint, client, key, "system/*.read");
        JsonNode security = OperatorHttp.JSON.readTree(get(base + "/metadata", token).body()).get("rest").get(0)
                .get("security");
        assertThat(security.get("service").get(0).get("coding").get(0).get("code").asText()).isEqualTo("SMART-on-FHIR");
        assertThat(security.toString()).contains("http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris")
                .contains(tokenEndpoint);

        HttpResponse<String> done = poll(kickOff(base + "/$export", token), token);
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        JsonNode manifest = OperatorHttp.JSON.readTree(done.body());
        assertThat(manifest.get("output")).hasSize(2);
        for (JsonNode output : manifest.get("output")) {
            HttpResponse<String> file = get(output.get("url").asText(), token);
            assertThat(file.statusCode()).isEqualTo(200);
            assertThat(parse(file.body())).hasSize(output.get("count").asInt());
        }

        // A key the server does not hold for this client: no token.
        RSAKey stranger = new RSAKeyGenerator(2048).keyID(key.getKeyID()).generate();
        HttpResponse<String> refused = tokenRequest(tokenEndpoint, assertion(tokenEndpoint, client, stranger),
                "system/*.read");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("invalid_client");
        // An assertion buys one token: sent again, even at once, it is refused; so is one that lives too long.
        String once = assertion(tokenEndpoint, client, key);
        assertThat(tokenRequest(tokenEndpoint, once, "system/*.read").statusCode()).isEqualTo(200);
        HttpResponse<String> replayed = tokenRequest(tokenEndpoint, once, "system/*.read");
        assertThat(replayed.statusCode()).isEqualTo(401);
        assertThat(replayed.body()).contains("invalid_client");
        assertThat(tokenRequest(tokenEndpoint, assertion(tokenEndpoint, client, key, Duration.ofHours(1)),
                "system/*.read").statusCode()).isEqualTo(401);
        // Its own key, but the assertion is for another audience: no token either.
        assertThat(tokenRequest(tokenEndpoint, assertion("https://elsewhere.example/token", client, key),
                "system/*.read").statusCode()).isEqualTo(401);
    }

    private static String token(String tokenEndpoint, String client, RSAKey key, String scope) throws JOSEException {
        HttpResponse<String> reply = tokenRequest(tokenEndpoint, assertion(tokenEndpoint, client, key), scope);
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        return OperatorHttp.JSON.readTree(reply.body()).get("access_token").asText();
    }

    private static HttpResponse<String> tokenRequest(String tokenEndpoint, String assertion, String scope) {
        String form = "grant_type=client_credentials&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8)
                + "&client_assertion_type=" + URLEncoder.encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                StandardCharsets.UTF_8) + "&client_assertion=" + assertion;
        return BulkClient.send("POST", tokenEndpoint, null, form, "Content-Type", "application/x-www-form-urlencoded");
    }

    /** A client assertion as SMART Backend Services specify it: RS384, iss = sub = client id, aud = token URL. */
    private static String assertion(String audience, String client, RSAKey key) throws JOSEException {
        return assertion(audience, client, key, Duration.ofMinutes(5));
    }

    private static String assertion(String audience, String client, RSAKey key, Duration lifetime)
            throws JOSEException {
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS384).keyID(key.getKeyID())
                .type(JOSEObjectType.JWT).build(), new JWTClaimsSet.Builder().issuer(client).subject(client)
                .audience(audience).jwtID(UUID.randomUUID().toString()).issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime))).build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }
}
