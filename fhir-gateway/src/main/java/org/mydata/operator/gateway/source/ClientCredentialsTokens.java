package org.mydata.operator.gateway.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceAuth;
import org.mydata.operator.source.SourceHosts;

/**
 * Access tokens for sources that take OAuth2 client credentials, fetched from the source's token
 * endpoint and reused until shortly before they expire. Thread-safe; two threads that find no token at
 * the same moment may both fetch one, which is harmless.
 */
final class ClientCredentialsTokens {

    /** Renew this long before the stated expiry, so that a token does not run out on its way to the source. */
    private static final Duration EARLY = Duration.ofSeconds(30);
    /** For a token response that does not say how long the token lives. */
    private static final Duration UNSTATED_LIFETIME = Duration.ofMinutes(1);
    /** A token answer is a few hundred bytes; anything near this is not one. */
    private static final int MAX_ANSWER_BYTES = 64 * 1024;

    private final HttpClient http;
    private final Duration requestTimeout;
    private final ObjectMapper json = new ObjectMapper();
    // Keyed by the whole credentials record, secret included: a changed secret must not reuse the old token.
    private final Map<SourceAuth.ClientCredentials, Token> cache = new ConcurrentHashMap<>();

    private record Token(String value, Instant renewAt) {
    }

    private final java.time.Clock clock;

    private final SourceHosts.Resolver resolver;

    ClientCredentialsTokens(Duration connectTimeout, Duration requestTimeout, java.time.Clock clock,
                            SourceHosts.Resolver resolver) {
        this.resolver = resolver;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
        this.requestTimeout = requestTimeout;
        this.clock = clock;
    }

    /** A token for the call's source, fetched within what is left of the call's time if none is cached. */
    String token(UpstreamCall call, SourceAuth.ClientCredentials credentials) {
        Token cached = cache.get(credentials);
        if (cached != null && clock.instant().isBefore(cached.renewAt())) {
            return cached.value();
        }
        Token fresh = fetch(call, credentials);
        cache.put(credentials, fresh);
        return fresh.value();
    }

    /** After the source refused a token: it may have been revoked, so the next lookup fetches a new one. */
    void forget(SourceAuth.ClientCredentials credentials) {
        cache.remove(credentials);
    }

    private Token fetch(UpstreamCall call, SourceAuth.ClientCredentials credentials) {
        FhirSource source = call.source();
        // Java's HTTP client takes no resolver, so the token endpoint's address is checked just before the
        // request; a name that changes its answer between the two lookups is not caught here (docs/operating.md).
        try {
            resolver.resolve(credentials.tokenUrl().getHost());
        } catch (java.net.UnknownHostException e) {
            throw HapiPatientLookup.failed(source, "has a token endpoint the operator does not connect to", null);
        }
        String form = "grant_type=client_credentials"
                + (credentials.scope() == null || credentials.scope().isBlank() ? "" : "&scope=" + urlEncode(credentials.scope()));
        // client_secret_basic, the method RFC 6749 (2.3.1) requires every token endpoint to support.
        String basic = Base64.getEncoder().encodeToString(
                (urlEncode(credentials.clientId()) + ":" + urlEncode(credentials.clientSecret())).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(credentials.tokenUrl())
                .timeout(requestTimeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .header("Authorization", "Basic " + basic)
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        Instant requested = clock.instant();
        HttpResponse<byte[]> response;
        // The request timeout covers the wait for the answer's head, not its body: the whole exchange is waited
        // for here instead, at most the request timeout and never past the call's deadline, then cancelled.
        Duration wait = call.remaining().compareTo(requestTimeout) < 0 ? call.remaining() : requestTimeout;
        CompletableFuture<HttpResponse<byte[]>> pending = http.sendAsync(request, info -> new CappedBody());
        try {
            response = pending.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw HapiPatientLookup.failed(source, "did not answer the token request in time", e, true);
        } catch (ExecutionException e) {
            throw HapiPatientLookup.unavailable(source, e.getCause(), null);
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw HapiPatientLookup.failed(source, "could not be asked for a token: the request was interrupted", e);
        }
        if (response.statusCode() != 200) {
            throw HapiPatientLookup.failed(source, "refused an access token (HTTP " + response.statusCode() + " from its token endpoint)", null);
        }
        JsonNode body;
        try {
            body = json.readTree(new String(response.body(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw HapiPatientLookup.failed(source, "answered the token request with something that is not JSON", e);
        }
        String accessToken = body.path("access_token").asText("");
        String tokenType = body.path("token_type").asText("Bearer");
        if (accessToken.isEmpty() || !tokenType.equalsIgnoreCase("Bearer")) {
            throw HapiPatientLookup.failed(source, "answered the token request without a bearer access token", null);
        }
        long expiresIn = body.path("expires_in").asLong(0);
        Duration lifetime = expiresIn > 0 ? Duration.ofSeconds(expiresIn) : UNSTATED_LIFETIME;
        Duration early = lifetime.compareTo(EARLY.multipliedBy(2)) > 0 ? EARLY : lifetime.dividedBy(2);
        return new Token(accessToken, requested.plus(lifetime).minus(early));
    }

    /** The answer's bytes, failing and cancelling the exchange as soon as there are too many. */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer item : items) {
                if (bytes.size() + item.remaining() > MAX_ANSWER_BYTES) {
                    subscription.cancel();
                    body.completeExceptionally(new IOException("the token answer is larger than " + MAX_ANSWER_BYTES + " bytes"));
                    return;
                }
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable failure) {
            body.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toByteArray());
        }
    }

    private static String urlEncode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
