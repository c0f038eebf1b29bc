package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.UriType;

/**
 * SMART Backend Services discovery (https://hl7.org/fhir/smart-app-launch/backend-services.html): each
 * permit's base answers {@code [base]/.well-known/smart-configuration}, and its CapabilityStatement carries
 * {@code rest.security} with the token endpoint, so a bulk client needs nothing but the base and its
 * credentials. The document is the same for every base and is served to anyone, before the permit is looked
 * at, so it says nothing about which permits exist.
 */
public final class SmartConfiguration {
    static final String OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
    private static final String DOCUMENT = ".well-known/smart-configuration";

    private final Function<HttpServletRequest, Optional<Endpoints>> tokenEndpoint;
    private final List<String> scopes;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * The authorization server's endpoints a client needs.
     *
     * @param token where clients get tokens
     * @param authorize where people authorize an app (authorization code); null if the server has none known
     */
    public record Endpoints(String token, String authorize) {
    }

    /**
     * @param tokenEndpoint the authorization server's endpoints, as seen from the request; empty if unknown, and
     *     then there is no discovery document and no {@code rest.security}
     * @param scopes the scopes a token for the gateway may carry
     */
    public SmartConfiguration(Function<HttpServletRequest, Optional<Endpoints>> tokenEndpoint, List<String> scopes) {
        this.tokenEndpoint = tokenEndpoint;
        this.scopes = List.copyOf(scopes);
    }

    /** Answers {@code /{permitId}/.well-known/smart-configuration} before HAPI (or the permit check) sees it. */
    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_PROCESSED)
    public boolean discovery(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo();
        List<String> segments = path == null ? List.of()
                : Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
        if (segments.size() != 3 || !(segments.get(1) + "/" + segments.get(2)).equals(DOCUMENT)) {
            return true;
        }
        Optional<Endpoints> token = tokenEndpoint.apply(request);
        if (!request.getMethod().equals("GET") || token.isEmpty()) {
            response.setStatus(token.isEmpty() ? 404 : 405);
            response.setContentType("application/fhir+json");
            response.getWriter().write("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
                    + "\"code\":\"" + (token.isEmpty() ? "not-found" : "not-supported") + "\",\"diagnostics\":\""
                    + (token.isEmpty()
                    ? "This operator announces no token endpoint (operator.identity.token-endpoint)."
                    : "The SMART configuration is read with GET.") + "\"}]}");
            return false;
        }
        ObjectNode document = json.createObjectNode();
        document.put("token_endpoint", token.get().token());
        if (token.get().authorize() != null) {
            document.put("authorization_endpoint", token.get().authorize());
        }
        document.putArray("grant_types_supported").add("client_credentials");
        document.putArray("token_endpoint_auth_methods_supported").add("private_key_jwt").add("client_secret_basic");
        document.putArray("token_endpoint_auth_signing_alg_values_supported").add("RS384").add("ES384");
        scopes.forEach(document.putArray("scopes_supported")::add);
        document.putArray("capabilities").add("client-confidential-asymmetric").add("client-confidential-symmetric")
                .add("permission-v1").add("permission-v2");
        document.putArray("code_challenge_methods_supported").add("S256");
        response.setStatus(200);
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write(json.writeValueAsString(document));
        return false;
    }

    /** {@code rest.security}: SMART on FHIR, with the token endpoint in the oauth-uris extension. */
    @Hook(value = Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED, order = 100)
    public void security(IBaseConformance conformance, RequestDetails details) {
        if (!(conformance instanceof CapabilityStatement statement)
                || !(details instanceof ServletRequestDetails servlet)) {
            return;
        }
        tokenEndpoint.apply(servlet.getServletRequest()).ifPresent(token -> statement.getRest().forEach(rest -> {
            CapabilityStatement.CapabilityStatementRestSecurityComponent security = rest.getSecurity();
            security.setCors(false);
            security.addService(new CodeableConcept().addCoding(new org.hl7.fhir.r4.model.Coding(
                    "http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR", "SMART-on-FHIR")));
            security.setDescription("OAuth2 bearer tokens (client credentials; SMART Backend Services with "
                    + "private_key_jwt, or a client secret); see .well-known/smart-configuration at this base.");
            Extension uris = security.addExtension().setUrl(OAUTH_URIS);
            uris.addExtension("token", new UriType(token.token()));
            if (token.authorize() != null) {
                // SMART's oauth-uris profile asks for both; a server without an authorize endpoint omits it.
                uris.addExtension("authorize", new UriType(token.authorize()));
            }
        }));
    }
}
