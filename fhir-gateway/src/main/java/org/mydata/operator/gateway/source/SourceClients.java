package org.mydata.operator.gateway.source;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.FhirVersionEnum;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.client.apache.ApacheRestfulClientFactory;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BasicAuthInterceptor;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.mydata.operator.background.DaemonThreads;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.gateway.GatewaySettings;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceAuth;
import org.mydata.operator.source.SourceHosts;

/**
 * Makes HAPI clients for sources: with the source's authentication, the operator's timeouts and byte cap on
 * every request, a deadline that closes the connection when it passes, and a record of each answer's status
 * so that failures can be told apart. One per process.
 */
public final class SourceClients implements AutoCloseable {
    /**
     * Pooled connections: per host as many as HAPI's default, in all far more than one host's, so that the
     * reads of one slow source (at most its bulkhead's worth) never leave others waiting for a connection.
     */
    private static final int CONNECTIONS_PER_HOST = 20;
    private static final int CONNECTIONS = 200;

    private final ApacheRestfulClientFactory clients;
    private final GatewaySettings settings;
    private final RequestConfig timeouts;
    private final ClientCredentialsTokens tokens;
    /** Ends calls at their deadline; its one thread only flags and closes connections, never waits on them. */
    private final ScheduledThreadPoolExecutor deadlines;

    /** A client for one exchange with a source, and what it saw. */
    public record Exchange(IGenericClient client, SourceExchange record, UpstreamCall call) {
        public FhirSource source() {
            return call.source();
        }
    }

    public SourceClients(FhirContext fhirContext, Duration connectTimeout, Duration socketTimeout) {
        this(fhirContext, GatewaySettings.defaults().withTimeouts(connectTimeout, socketTimeout),
                java.time.Clock.systemUTC());
    }

    /** Connects wherever a source's name resolves to: for tools and tests; the operator checks addresses. */
    public SourceClients(FhirContext fhirContext, GatewaySettings settings, java.time.Clock clock) {
        this(fhirContext, settings, clock, null);
    }

    /**
     * @param clock decides when a cached source token is due for renewal
     * @param resolver gives the addresses a connection may use, refusing those it must not (SourceHosts): every
     *     connection, redirects included, goes through it, so the address checked is the address connected to;
     *     null to connect wherever names resolve to
     */
    public SourceClients(FhirContext fhirContext, GatewaySettings settings, java.time.Clock clock,
                         SourceHosts.Resolver resolver) {
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
        clients.setPoolMaxPerRoute(CONNECTIONS_PER_HOST);
        clients.setPoolMaxTotal(CONNECTIONS);
        if (resolver != null) {
            checkAddresses((ApacheRestfulClientFactory) fhirContext.getRestfulClientFactory(), resolver);
        }
        this.settings = settings;
        this.timeouts = SourceExchange.timeouts(settings.connectTimeout(), settings.readTimeout());
        this.tokens = new ClientCredentialsTokens(settings.connectTimeout(), settings.readTimeout(), clock,
                resolver != null ? resolver : InetAddress::getAllByName);
        this.deadlines = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("source-deadlines"));
        deadlines.setRemoveOnCancelPolicy(true);
    }

    /**
     * Requests go out through the context's factory's Apache client (see {@link SourceExchange}), so that client
     * is replaced by one like HAPI's whose connection manager resolves names through the address check.
     */
    private static void checkAddresses(ApacheRestfulClientFactory factory, SourceHosts.Resolver resolver) {
        PoolingHttpClientConnectionManager connections = new PoolingHttpClientConnectionManager(
                RegistryBuilder.<ConnectionSocketFactory>create()
                        .register("http", PlainConnectionSocketFactory.getSocketFactory())
                        .register("https", SSLConnectionSocketFactory.getSystemSocketFactory()).build(),
                null, null, resolver::resolve, 5000, TimeUnit.MILLISECONDS);
        connections.setMaxTotal(CONNECTIONS);
        connections.setDefaultMaxPerRoute(CONNECTIONS_PER_HOST);
        factory.setHttpClient(HttpClientBuilder.create().useSystemProperties().disableCookieManagement()
                .setConnectionManager(connections).build());
    }

    public GatewaySettings settings() {
        return settings;
    }

    /** A call to the source that ends, its connection closed, when {@code within} has passed; close it after. */
    public UpstreamCall call(FhirSource source, Duration within) {
        UpstreamCall call = new UpstreamCall(source, System.nanoTime() + within.toNanos());
        call.timer(deadlines.schedule(() -> call.end(UpstreamCall.Ending.DEADLINE),
                Math.max(0, within.toNanos()), TimeUnit.NANOSECONDS));
        return call;
    }

    /** A client for work under the call; a call already ended gives a client whose requests fail at once. */
    public Exchange open(UpstreamCall call) {
        FhirSource source = call.source();
        SourceExchange record = new SourceExchange(timeouts, settings.maxResponseBytes());
        call.attach(record);
        IGenericClient client = clients.newGenericClient(source.fhirBaseUrl().toString());
        client.setEncoding(EncodingEnum.JSON);
        client.registerInterceptor(record);
        Exchange exchange = new Exchange(client, record, call);
        if (source.auth() instanceof SourceAuth.Basic basic) {
            client.registerInterceptor(new BasicAuthInterceptor(basic.username(), basic.password()));
        } else if (source.auth() instanceof SourceAuth.ClientCredentials credentials) {
            try {
                client.registerInterceptor(new BearerTokenAuthInterceptor(tokens.token(call, credentials)));
            } catch (RuntimeException e) {
                throw failed(exchange, e);
            }
        }
        return exchange;
    }

    /** What a failed exchange means for the caller; a refused token is forgotten so the next call gets a new one. */
    public SourceUnavailableException failed(Exchange exchange, RuntimeException failure) {
        FhirSource source = exchange.source();
        UpstreamCall.Ending ending = exchange.call().ending();
        // Checked before anything else: an aborted request fails in whatever way it was caught, even as a token refusal.
        if (ending == UpstreamCall.Ending.DEADLINE) {
            return timedOut(exchange.source(), failure);
        }
        if (ending == UpstreamCall.Ending.ABANDONED) {
            return HapiPatientLookup.failed(source, "was no longer waited for", null);
        }
        if (exchange.record().tooLarge()) {
            return HapiPatientLookup.failed(source, "sent an answer larger than the limit of "
                    + exchange.record().maxResponseBytes() + " bytes; it was cut off there", failure);
        }
        if (failure instanceof SourceUnavailableException known) {
            return known;
        }
        if (Integer.valueOf(401).equals(exchange.record().lastStatus())
                && source.auth() instanceof SourceAuth.ClientCredentials credentials) {
            tokens.forget(credentials);
        }
        return HapiPatientLookup.unavailable(source, failure, exchange.record().lastStatus());
    }

    /** The answer for a call whose deadline passed, whether it was reading, waiting for a turn or not started. */
    public SourceUnavailableException timedOut(FhirSource source, Throwable failure) {
        return HapiPatientLookup.failed(source, "did not answer within the deadline of "
                + seconds(settings.deadline()) + "; the connection was closed", failure, true);
    }

    private static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + " s" : String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
    }
}
