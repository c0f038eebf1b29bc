package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.mydata.operator.gateway.demo.DemoFhirSource;

/**
 * Generated populations served as FHIR sources of their own over real HTTP, and their persons as citizens: what
 * the tests that release a whole generated population share.
 */
final class GeneratedSources {
    private static Tomcat sources;

    private GeneratedSources() {
    }

    /** A live link, with the account it belongs to as its signed service link record names it. */
    record Link(UUID sourceId, String surrogateId, UUID accountId) {
        static Link of(tools.jackson.databind.JsonNode view) {
            String jws = view.get("record").asString();
            String payload = new String(java.util.Base64.getUrlDecoder().decode(jws.split("\\.")[1]),
                    java.nio.charset.StandardCharsets.UTF_8);
            String account = OperatorHttp.JSON.readTree(payload).get("account_id").asString();
            return new Link(UUID.fromString(view.get("sourceId").asString()), view.get("surrogateId").asString(),
                    UUID.fromString(account));
        }
    }

    /** A citizen's token signed with the authorization server's key, carrying their identifier, as an IdP would. */
    static String citizenToken(RSAKey tokenSigningKey, String issuer, String subject, String personIdentifier) {
        try {
            Instant now = Instant.now();
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(tokenSigningKey.getKeyID())
                    .build(), new JWTClaimsSet.Builder().subject(subject).claim("scope", List.of("citizen"))
                    .claim("person_identifier", personIdentifier).issuer(issuer)
                    .audience(org.mydata.operator.api.security.EmbeddedAuthorizationServerConfig.DEFAULT_AUDIENCE)
                    .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(900))).build());
            jwt.sign(new RSASSASigner(tokenSigningKey));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Mounts each source at its path in one embedded Tomcat on a port of its own; returns its base URL. */
    static synchronized String mount(Map<String, DemoFhirSource> mounts) throws Exception {
        if (sources == null) {
            sources = new Tomcat();
            sources.setPort(0);
            sources.setBaseDir(Files.createTempDirectory("leakscan-tomcat").toString());
            sources.getConnector();
            sources.getHost();
            sources.start();
        }
        Context context = sources.addContext("/" + UUID.randomUUID(), null);
        mounts.forEach((path, servlet) -> {
            String name = path.replace('/', '_');
            Tomcat.addServlet(context, name, servlet);
            context.addServletMappingDecoded(path + "/*", name);
        });
        return "http://localhost:" + sources.getConnector().getLocalPort() + context.getPath();
    }

    static synchronized void stop() throws LifecycleException {
        if (sources != null) {
            sources.stop();
            sources.destroy();
            sources = null;
        }
    }

    static UUID source(OperatorHttp http, ResearchFixtures fixtures, String name, String fhirBaseUrl) {
        OperatorHttp.Reply reply = http.post("/api/v1/sources", fixtures.admin, Map.of("name", name,
                "fhirBaseUrl", fhirBaseUrl));
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return UUID.fromString(reply.json().get("id").asString());
    }

}
