package org.mydata.operator.api.representation;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.json.Json;
import org.mydata.operator.representation.Representation;
import org.mydata.operator.representation.RepresentationKind;
import org.mydata.operator.representation.RepresentationSource;
import org.mydata.operator.representation.RepresentationUnavailableException;

/**
 * A registry of guardianships and mandates over plain JSON and HTTP (docs/representation.md): {@code GET
 * <registry>/representations?actor=<system|value>} answers
 *
 * <pre>
 * {"representations": [{"kind": "guardian", "reference": "…", "actor": "system|value", "subject": "system|value",
 *   "subjectName": "…", "subjectBirthDate": "2015-06-01", "validFrom": "…Z", "validUntil": "…Z",
 *   "subjectComesOfAge": "…Z"}]}
 * </pre>
 *
 * An adapter in front of Suomi.fi e-Authorizations (or any other registry) answers in this form. Fail closed:
 * anything but a 200 with a readable document in time, or an entry of an unknown kind or for another actor, is
 * {@link RepresentationUnavailableException}, never an empty list.
 */
public final class HttpRepresentationSource implements RepresentationSource {
    private final URI registry;
    private final Duration timeout;
    private final HttpClient client;

    public HttpRepresentationSource(URI registry, Duration timeout) {
        this.registry = registry;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public List<Representation> forActor(PersonIdentifier actor, Instant at) {
        String base = registry.toString().endsWith("/") ? registry.toString() : registry + "/";
        URI uri = URI.create(base + "representations?actor="
                + URLEncoder.encode(actor.asToken(), StandardCharsets.UTF_8));
        HttpResponse<String> response;
        try {
            response = client.send(HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json")
                    .GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new RepresentationUnavailableException("the registry did not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RepresentationUnavailableException("interrupted while asking the registry", e);
        }
        if (response.statusCode() != 200) {
            throw new RepresentationUnavailableException("the registry answered " + response.statusCode(), null);
        }
        try {
            Map<String, Object> document = Json.read(response.body());
            if (!(document.get("representations") instanceof List<?> entries)) {
                throw new IllegalArgumentException("no representations list");
            }
            List<Representation> result = new ArrayList<>();
            for (Object entry : entries) {
                Representation r = read((Map<?, ?>) entry);
                if (!r.actor().equals(actor)) {
                    throw new IllegalArgumentException("an entry for another actor");
                }
                if (r.isValidAt(at)) {
                    result.add(r);
                }
            }
            return List.copyOf(result);
        } catch (RuntimeException unreadable) {
            // Whatever the registry said, it is not something to act on: refuse rather than guess.
            throw new RepresentationUnavailableException("the registry's answer could not be read", null);
        }
    }

    private static Representation read(Map<?, ?> e) {
        return new Representation(
                RepresentationKind.fromWire((String) e.get("kind")).orElseThrow(),
                (String) e.get("reference"),
                PersonIdentifier.parse((String) e.get("actor")),
                PersonIdentifier.parse((String) e.get("subject")),
                (String) e.get("subjectName"),
                e.get("subjectBirthDate") == null ? null : LocalDate.parse((String) e.get("subjectBirthDate")),
                e.get("validFrom") == null ? null : Instant.parse((String) e.get("validFrom")),
                e.get("validUntil") == null ? null : Instant.parse((String) e.get("validUntil")),
                e.get("subjectComesOfAge") == null ? null : Instant.parse((String) e.get("subjectComesOfAge")));
    }
}
