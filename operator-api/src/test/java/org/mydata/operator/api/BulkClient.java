package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Resource;

/** What a Bulk Data client does over plain HTTP: kick-off, polling, downloads. */
final class BulkClient {
    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    /** Long enough for a 100,000-resource file on a busy machine; a request that hangs still ends. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(3);

    private BulkClient() {
    }

    static HttpResponse<String> send(String method, String url, String token, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).timeout(REQUEST_TIMEOUT);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> get(String url, String token, String... headers) {
        return send("GET", url, token, null, headers);
    }

    /** Kick-off by GET; asserts 202 and returns the status URL. */
    static String kickOff(String url, String token) {
        HttpResponse<String> reply = get(url, token, "Prefer", "respond-async", "Accept", "application/fhir+json");
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(202);
        return reply.headers().firstValue("Content-Location").orElseThrow();
    }

    /** Polls the status URL until the job has ended, within a minute. */
    static HttpResponse<String> poll(String status, String token) {
        return poll(status, token, Duration.ofMinutes(1));
    }

    /** Polls the status URL until the job has ended, within {@code bound}. */
    static HttpResponse<String> poll(String status, String token, Duration bound) {
        long until = System.nanoTime() + bound.toNanos();
        while (true) {
            HttpResponse<String> reply = get(status, token);
            if (reply.statusCode() != 202) {
                return reply;
            }
            assertThat(System.nanoTime()).as("the export ends in time").isLessThan(until);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    static List<Resource> parse(String ndjson) {
        IParser parser = FHIR.newJsonParser();
        List<Resource> resources = new ArrayList<>();
        for (String line : ndjson.split("\n")) {
            if (!line.isBlank()) {
                resources.add((Resource) parser.parseResource(line));
            }
        }
        return resources;
    }
}
