package org.mydata.operator.api.rest;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.NewSource;
import org.mydata.operator.source.SourceAuth;
import org.mydata.operator.source.SourceRegistry;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** FHIR sources (scope {@code admin}). Credentials go in; they never come out. */
@RestController
@RequestMapping("/api/v1/sources")
public class SourceController {
    private final SourceRegistry sources;

    public SourceController(SourceRegistry sources) {
        this.sources = sources;
    }

    public record AuthRequest(String type, String username, String password, String tokenUrl, String clientId,
                              String clientSecret, String scope) {
    }

    public record SourceRequest(String name, String fhirBaseUrl, AuthRequest auth) {
    }

    /** How the operator authenticates, without the secret. */
    public record AuthView(String type, String username, String tokenUrl, String clientId, String scope) {
    }

    public record SourceView(UUID id, String name, URI fhirBaseUrl, AuthView auth, Instant createdAt) {
        static SourceView of(FhirSource source) {
            AuthView auth;
            if (source.auth() instanceof SourceAuth.Basic basic) {
                auth = new AuthView("basic", basic.username(), null, null, null);
            } else if (source.auth() instanceof SourceAuth.ClientCredentials cc) {
                auth = new AuthView("client_credentials", null, cc.tokenUrl().toString(), cc.clientId(), cc.scope());
            } else {
                auth = new AuthView("none", null, null, null, null);
            }
            return new SourceView(source.id(), source.name(), source.fhirBaseUrl(), auth, source.createdAt());
        }
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    public SourceView register(@RequestBody SourceRequest request) {
        AuthRequest a = request.auth();
        SourceAuth auth = a == null ? new SourceAuth.None()
                : SourceRegistry.auth(a.type(), a.username(), a.password(), a.tokenUrl(), a.clientId(), a.clientSecret(),
                a.scope());
        return SourceView.of(sources.register(new NewSource(request.name(), request.fhirBaseUrl(), auth)));
    }

    @GetMapping
    public List<SourceView> list() {
        return sources.list().stream().map(SourceView::of).toList();
    }

    @GetMapping("/{id}")
    public SourceView get(@PathVariable UUID id) {
        return SourceView.of(sources.get(id));
    }
}
