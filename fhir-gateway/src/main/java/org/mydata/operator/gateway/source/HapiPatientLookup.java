package org.mydata.operator.gateway.source;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.exceptions.FhirClientConnectionException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import org.apache.http.conn.ConnectTimeoutException;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.Bundle.SearchEntryMode;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.link.PatientLookup;
import org.mydata.operator.link.PatientMatch;
import org.mydata.operator.source.FhirSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a person at a FHIR R4 source with {@code GET [base]/Patient?identifier=system|value}, asking for
 * at most two matches (enough to tell one from several) and only their identifiers.
 *
 * <p>Whatever goes wrong upstream becomes a {@link SourceUnavailableException} whose message names the
 * source and nothing else: HAPI's own messages quote the request URL, and with it the person's
 * identifier, so neither they nor the identifier reach messages or logs. Thread-safe; share one instance.
 */
public class HapiPatientLookup implements PatientLookup {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(HapiPatientLookup.class);

    private final SourceClients clients;

    public HapiPatientLookup(FhirContext fhirContext) {
        this(fhirContext, DEFAULT_CONNECT_TIMEOUT, DEFAULT_SOCKET_TIMEOUT);
    }

    /**
     * @param fhirContext an R4 context, shared: it is expensive to build. Its settings are left alone.
     * @param connectTimeout the longest wait for a connection to the source or its token endpoint
     * @param socketTimeout the longest wait for data once connected, also the whole token request's limit
     */
    public HapiPatientLookup(FhirContext fhirContext, Duration connectTimeout, Duration socketTimeout) {
        this(new SourceClients(fhirContext, connectTimeout, socketTimeout));
    }

    public HapiPatientLookup(SourceClients clients) {
        this.clients = clients;
    }

    @Override
    public PatientMatch findByIdentifier(FhirSource source, PersonIdentifier person) {
        Bundle bundle;
        try (UpstreamCall call = clients.call(source, clients.settings().deadline())) {
            SourceClients.Exchange exchange = clients.open(call);
            try {
                bundle = exchange.client().search()
                        .forResource(Patient.class)
                        .where(Patient.IDENTIFIER.exactly().systemAndIdentifier(person.system(), person.value()))
                        .count(2)
                        .elementsSubset("identifier")
                        .returnBundle(Bundle.class)
                        .execute();
            } catch (RuntimeException e) {
                throw clients.failed(exchange, e);
            }
        }
        return match(source, bundle, person);
    }

    private static PatientMatch match(FhirSource source, Bundle bundle, PersonIdentifier person) {
        List<Resource> matches = bundle.getEntry().stream()
                .filter(e -> !e.hasSearch() || e.getSearch().getMode() == SearchEntryMode.MATCH)
                .map(BundleEntryComponent::getResource)
                .toList();
        if (!matches.stream().allMatch(r -> r instanceof Patient p && p.getIdElement().hasIdPart())) {
            throw failed(source, "answered the Patient search with other resources", null);
        }
        // A server that ignored the identifier parameter would list anybody; linking one of them must not happen.
        boolean allCarryIdentifier = matches.stream().map(Patient.class::cast).allMatch(p -> p.getIdentifier().stream()
                .anyMatch(i -> person.system().equals(i.getSystem()) && person.value().equals(i.getValue())));
        if (!allCarryIdentifier) {
            throw failed(source, "answered the Patient search with patients that do not carry the identifier", null);
        }
        int count = Math.max(matches.size(), bundle.hasTotal() ? bundle.getTotal() : 0);
        return switch (count) {
            case 0 -> new PatientMatch.NotFound();
            case 1 -> new PatientMatch.Found(matches.get(0).getIdElement().getIdPart());
            default -> new PatientMatch.Ambiguous(count);
        };
    }

    /** As {@link #unavailable(FhirSource, Throwable, Integer)}, for a caller that did not note the status. */
    static SourceUnavailableException unavailable(FhirSource source, Throwable failure) {
        Integer status = failure instanceof BaseServerResponseException e && !(failure instanceof FhirClientConnectionException)
                ? Integer.valueOf(e.getStatusCode()) : null;
        return unavailable(source, failure, status);
    }

    /**
     * @param status the HTTP status the source answered with, null if it did not answer. HAPI's exceptions
     *     do not tell reliably: a refused connection and a body of the wrong resource type both come as
     *     HTTP 500, hence {@link SourceExchange#lastStatus()}.
     */
    static SourceUnavailableException unavailable(FhirSource source, Throwable failure, Integer status) {
        if (causedBy(failure, SocketTimeoutException.class) || causedBy(failure, ConnectTimeoutException.class)
                || causedBy(failure, HttpTimeoutException.class)) {
            return failed(source, "did not answer in time", failure, true);
        }
        if (status != null && status >= 300) {
            return failed(source, "answered with HTTP status " + status, failure, false);
        }
        if (status == null && causedBy(failure, IOException.class)) {
            return failed(source, "could not be reached or broke off the connection", failure, false);
        }
        return failed(source, "did not answer with a FHIR search result", failure, false);
    }

    static SourceUnavailableException failed(FhirSource source, String what, Throwable failure) {
        return failed(source, what, failure, false);
    }

    static SourceUnavailableException failed(FhirSource source, String what, Throwable failure, boolean timedOut) {
        String message = "The FHIR source '" + source.name() + "' " + what + ".";
        Throwable cause = failure == null ? null : new RedactedFailure(failure);
        if (cause == null) {
            log.warn(message);
        } else {
            log.warn("{} Cause: {}", message, cause.getMessage());
        }
        return new SourceUnavailableException(message, timedOut, cause);
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * What failed, as the chain of exception types, with the stack of the original: enough to diagnose
     * and safe to log, unlike the original messages.
     */
    static final class RedactedFailure extends RuntimeException {
        RedactedFailure(Throwable original) {
            super(describe(original), null, false, true);
            setStackTrace(original.getStackTrace());
        }

        private static String describe(Throwable original) {
            StringBuilder chain = new StringBuilder();
            for (Throwable t = original; t != null; t = t.getCause()) {
                chain.append(chain.isEmpty() ? "" : " <- ").append(t.getClass().getName());
            }
            return chain.toString();
        }
    }
}
