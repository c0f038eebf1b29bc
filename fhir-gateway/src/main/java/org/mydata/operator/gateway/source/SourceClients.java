package org.mydata.operator.gateway.source;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.FhirVersionEnum;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.client.apache.ApacheRestfulClientFactory;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BasicAuthInterceptor;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.time.Duration;
import org.apache.http.client.config.RequestConfig;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceAuth;

/**
 * Makes HAPI clients for sources: with the source's authentication, the operator's timeouts on every
 * request, and a record of each answer's status so that failures can be told apart. One per process.
 */
public final class SourceClients {
    private final ApacheRestfulClientFactory clients;
    private final RequestConfig timeouts;
    private final ClientCredentialsTokens tokens;

    /** A client for one exchange with a source, and what it saw. */
    public record Exchange(IGenericClient client, SourceExchange record, FhirSource source) {
    }

    public SourceClients(FhirContext fhirContext, Duration connectTimeout, Duration socketTimeout) {
        this(fhirContext, connectTimeout, socketTimeout, java.time.Clock.systemUTC());
    }

    /** @param clock decides when a cached source token is due for renewal */
    public SourceClients(FhirContext fhirContext, Duration connectTimeout, Duration socketTimeout, java.time.Clock clock) {
        if (fhirContext.getVersion().getVersion() != FhirVersionEnum.R4) {
            throw new IllegalArgumentException("sources are FHIR R4, the context is " + fhirContext.getVersion().getVersion());
        }
        // Timeouts go on each request (see SourceExchange for why), which takes HAPI's default factory.
        if (!(fhirContext.getRestfulClientFactory() instanceof ApacheRestfulClientFactory)) {
            throw new IllegalArgumentException("the FHIR context must use HAPI's Apache HTTP client factory");
        }
        // This factory only makes the clients, so that they skip the CapabilityStatement round trip
        // HAPI otherwise makes before the first request to a server: one more way to fail, for nothing.
        this.clients = new ApacheRestfulClientFactory(fhirContext);
        clients.setServerValidationMode(ServerValidationModeEnum.NEVER);
        this.timeouts = SourceExchange.timeouts(connectTimeout, socketTimeout);
        this.tokens = new ClientCredentialsTokens(connectTimeout, socketTimeout, clock);
    }

    public Exchange open(FhirSource source) {
        SourceExchange record = new SourceExchange(timeouts);
        IGenericClient client = clients.newGenericClient(source.fhirBaseUrl().toString());
        client.setEncoding(EncodingEnum.JSON);
        client.registerInterceptor(record);
        if (source.auth() instanceof SourceAuth.Basic basic) {
            client.registerInterceptor(new BasicAuthInterceptor(basic.username(), basic.password()));
        } else if (source.auth() instanceof SourceAuth.ClientCredentials credentials) {
            client.registerInterceptor(new BearerTokenAuthInterceptor(tokens.token(source, credentials)));
        }
        return new Exchange(client, record, source);
    }

    /** What a failed exchange means for the caller; a refused token is forgotten so the next call gets a new one. */
    public SourceUnavailableException failed(Exchange exchange, RuntimeException failure) {
        if (failure instanceof SourceUnavailableException known) {
            return known;
        }
        FhirSource source = exchange.source();
        if (Integer.valueOf(401).equals(exchange.record().lastStatus())
                && source.auth() instanceof SourceAuth.ClientCredentials credentials) {
            tokens.forget(credentials);
        }
        return HapiPatientLookup.unavailable(source, failure, exchange.record().lastStatus());
    }
}
