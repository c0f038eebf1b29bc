package org.mydata.operator.api.rest;

import org.mydata.operator.api.errors.Problems;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.mydata.operator.api.limits.RequestSizeLimit;
import org.mydata.operator.store.IdempotencyKeys;
import org.mydata.operator.store.IdempotencyScope;
import org.mydata.operator.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code Idempotency-Key} header of state-changing API requests (docs/api.md). A request with a key
 * runs inside an {@link IdempotencyScope}, so the key is stored by the very transaction that makes the
 * change; its response is stored afterwards. A retry with the same key and the same request gets the
 * stored response again, marked {@code Idempotent-Replayed: true}; the same key on a different request is
 * a 422; a retry while the first is still running is a 409. Because the key is committed with the change,
 * a retry after a commit whose outcome was unknown learns the truth: a key found means the change
 * happened, no key means it did not, and the request is carried out now.
 *
 * <p>Runs after Spring Security, as keys belong to the authenticated caller.
 */
public final class IdempotencyFilter extends OncePerRequestFilter {
    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED = "Idempotent-Replayed";
    private static final Logger log = LoggerFactory.getLogger(IdempotencyFilter.class);
    private static final Set<String> STATE_CHANGING = Set.of("POST", "PUT", "PATCH", "DELETE");
    private static final int MAX_KEY_LENGTH = 255;
    private static final Duration PURGE_EVERY = Duration.ofHours(1);

    private final IdempotencyKeys keys;
    private final Clock clock;
    private final Duration timeToLive;
    private final JsonMapper json;
    /** {@code operator.limits.max-request-size}, which RequestSizeLimit enforces before this filter runs. */
    private final int maxBody;
    /** Keys whose first request is running on this node; another node's shows up as a key its commit took. */
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Instant> lastPurge = new AtomicReference<>(Instant.EPOCH);

    /** @param maxBody the largest body read (the fingerprint needs the whole body in memory) */
    public IdempotencyFilter(IdempotencyKeys keys, Clock clock, Duration timeToLive, JsonMapper json, long maxBody) {
        this.maxBody = (int) Math.min(Integer.MAX_VALUE - 1, maxBody);
        this.keys = keys;
        this.clock = clock;
        this.timeToLive = timeToLive;
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !STATE_CHANGING.contains(request.getMethod())
                || !request.getRequestURI().startsWith(request.getContextPath() + "/api/v1/")
                || request.getHeader(HEADER) == null;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String key = request.getHeader(HEADER);
        if (!validKey(key)) {
            problem(response, Problems.of(HttpStatus.BAD_REQUEST, "invalid-idempotency-key", "Invalid Idempotency-Key",
                    "the Idempotency-Key header must be 1 to " + MAX_KEY_LENGTH + " visible ASCII characters"), null);
            return;
        }
        Authentication caller = SecurityContextHolder.getContext().getAuthentication();
        if (caller == null || !caller.isAuthenticated() || caller instanceof AnonymousAuthenticationToken) {
            chain.doFilter(request, response); // no caller to keep keys for; the API refuses such requests anyway
            return;
        }
        byte[] body;
        try {
            body = request.getInputStream().readNBytes(maxBody + 1);
        } catch (RequestSizeLimit.TooLarge e) {
            body = null; // a chunked body counted past the limit
        }
        if (body == null || body.length > maxBody) {
            response.setHeader(HttpHeaders.CONNECTION, "close");
            problem(response, Problems.tooLarge(maxBody), null);
            return;
        }
        String path = request.getRequestURI() + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
        String fingerprint = fingerprint(request.getMethod(), path, request.getContentType(), body);
        String subject = caller.getName();
        String runningKey = subject + "\n" + key;
        if (!running.add(runningKey)) {
            inProgress(response);
            return;
        }
        try {
            Instant now = clock.instant();
            Optional<IdempotencyKeys.Entry> earlier = keys.find(subject, key, now);
            if (earlier.isPresent()) {
                answerFrom(earlier.get(), fingerprint, response);
                return;
            }
            ContentCachingResponseWrapper captured = new ContentCachingResponseWrapper(response);
            IdempotencyScope.State state;
            try (IdempotencyScope scope = IdempotencyScope.open(new IdempotencyKeys.Claim(subject, key, fingerprint,
                    request.getMethod(), path, now, now.plus(timeToLive)))) {
                chain.doFilter(new BodyRequest(request, body), captured);
                state = scope.state();
            }
            if (state == IdempotencyScope.State.COMMITTED && captured.getStatus() < 500) {
                store(subject, key, captured);
            }
            // Released once the answer is stored and before the caller can read a byte of it: a request sent after
            // the answer finds the stored answer, never "in progress".
            running.remove(runningKey);
            switch (state) {
                case COMMITTED -> {
                    if (captured.getStatus() < 500) {
                        captured.copyBodyToResponse();
                    } else {
                        // The change is stored but answering it failed: say what is known, not the failure's guess.
                        response.reset();
                        carriedOut(response, now);
                    }
                }
                case TAKEN -> {
                    // Another node's request with this key committed first; this one changed nothing.
                    response.reset();
                    Optional<IdempotencyKeys.Entry> winner = keys.find(subject, key, clock.instant());
                    if (winner.isPresent()) {
                        answerFrom(winner.get(), fingerprint, response);
                    } else {
                        inProgress(response);
                    }
                }
                default -> captured.copyBodyToResponse();
            }
        } catch (StoreException e) {
            if (!e.isTransient() || response.isCommitted()) {
                throw e;
            }
            response.reset();
            write(response, Problems.databaseFailure(e));
        } finally {
            running.remove(runningKey);
            purgeNowAndThen();
        }
    }

    private void store(String subject, String key, ContentCachingResponseWrapper captured) {
        try {
            keys.storeResponse(subject, key, new IdempotencyKeys.StoredResponse(captured.getStatus(),
                    captured.getContentType(), captured.getHeader(HttpHeaders.LOCATION), captured.getContentAsByteArray()));
        } catch (StoreException e) {
            // The change is committed with its key: a retry is told it was carried out, without this response.
            log.warn("the response to a request with an idempotency key could not be stored ({})", e.kind());
        }
    }

    private void answerFrom(IdempotencyKeys.Entry earlier, String fingerprint, HttpServletResponse response)
            throws IOException {
        if (!earlier.fingerprint().equals(fingerprint)) {
            problem(response, Problems.of(HttpStatus.UNPROCESSABLE_CONTENT, "idempotency-key-reused",
                    "Idempotency-Key reused", "this Idempotency-Key was used for a different request (" + earlier.method()
                            + " " + earlier.path() + " or another body); use a new key for a new request"), null);
            return;
        }
        if (earlier.response().isEmpty()) {
            carriedOut(response, earlier.createdAt());
            return;
        }
        IdempotencyKeys.StoredResponse stored = earlier.response().get();
        response.setStatus(stored.status());
        if (stored.contentType() != null) {
            response.setContentType(stored.contentType());
        }
        if (stored.location() != null) {
            response.setHeader(HttpHeaders.LOCATION, stored.location());
        }
        response.setHeader(REPLAYED, "true");
        byte[] body = stored.body() == null ? new byte[0] : stored.body();
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** The change was committed but its response was lost with the database (or the node) before it was kept. */
    private void carriedOut(HttpServletResponse response, Instant at) throws IOException {
        response.setHeader(REPLAYED, "true");
        problem(response, Problems.of(HttpStatus.CONFLICT, "carried-out-earlier", "Carried out earlier",
                "the request with this Idempotency-Key was carried out at " + at + ", but its response could not be "
                        + "kept; do not repeat it, read the resource to see its current state"), null);
    }

    private void inProgress(HttpServletResponse response) throws IOException {
        problem(response, Problems.of(HttpStatus.CONFLICT, "idempotency-in-progress", "Request in progress",
                "a request with this Idempotency-Key is still being carried out; retry once it has been answered"), "1");
    }

    private void problem(HttpServletResponse response, ProblemDetail problem, String retryAfter) throws IOException {
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(problem.getStatus());
        if (retryAfter != null) {
            builder.header(HttpHeaders.RETRY_AFTER, retryAfter);
        }
        write(response, builder.body(problem));
    }

    private void write(HttpServletResponse response, ResponseEntity<ProblemDetail> answer) throws IOException {
        response.setStatus(answer.getStatusCode().value());
        answer.getHeaders().forEach((name, values) -> values.forEach(v -> response.addHeader(name, v)));
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), answer.getBody());
    }

    private void purgeNowAndThen() {
        Instant now = clock.instant();
        Instant last = lastPurge.get();
        if (now.isAfter(last.plus(PURGE_EVERY)) && lastPurge.compareAndSet(last, now)) {
            try {
                int purged = keys.purgeExpired(now);
                log.debug("purged {} expired idempotency keys", purged);
            } catch (StoreException e) {
                lastPurge.set(last); // try again with a later request
            }
        }
    }

    static boolean validKey(String key) {
        if (key == null || key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            return false;
        }
        return key.chars().allMatch(ch -> ch >= 0x21 && ch <= 0x7e);
    }

    private static String fingerprint(String method, String path, String contentType, byte[] body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((method + "\n" + path + "\n" + (contentType == null ? "" : contentType) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The request with its body already read, so that the fingerprint and the controller see the same bytes. */
    private static final class BodyRequest extends HttpServletRequestWrapper {
        private final byte[] body;

        BodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body was read already");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            String encoding = getCharacterEncoding();
            Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
