package org.mydata.operator.gateway.source;

import ca.uhn.fhir.rest.client.apache.ApacheHttpRequest;
import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;
import java.time.Duration;
import org.apache.http.client.config.RequestConfig;

/**
 * A client interceptor for the requests of one piece of work against a source: it puts the caller's
 * timeouts on every request and notes the HTTP status of the last answer.
 *
 * <p>The timeouts go on the request because HAPI sends a generic client's requests through the
 * FhirContext's client factory, not the factory that made the client: timeouts set on a factory of
 * one's own are silently ignored. They replace the factory's request defaults, so a proxy set on
 * HAPI's factory would not apply (system proxy properties still do). The status is noted because
 * HAPI's exceptions do not tell it reliably. Not thread-safe: one instance per client and piece of work.
 */
final class SourceExchange implements IClientInterceptor {

    private final RequestConfig timeouts;
    private Integer lastStatus;

    SourceExchange(RequestConfig timeouts) {
        this.timeouts = timeouts;
    }

    static RequestConfig timeouts(Duration connectTimeout, Duration socketTimeout) {
        int connect = Math.toIntExact(connectTimeout.toMillis());
        return RequestConfig.custom()
                .setConnectTimeout(connect)
                .setConnectionRequestTimeout(connect)
                .setSocketTimeout(Math.toIntExact(socketTimeout.toMillis()))
                .build();
    }

    /** The HTTP status of the last answer, null while none came. */
    Integer lastStatus() {
        return lastStatus;
    }

    @Override
    public void interceptRequest(IHttpRequest request) {
        if (!(request instanceof ApacheHttpRequest apache)) {
            throw new IllegalStateException("the FHIR context must use HAPI's Apache HTTP client factory");
        }
        apache.getApacheRequest().setConfig(timeouts);
    }

    @Override
    public void interceptResponse(IHttpResponse response) {
        lastStatus = response.getStatus();
    }
}
