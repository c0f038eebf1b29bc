package org.mydata.operator.gateway.source;

import ca.uhn.fhir.rest.client.apache.ApacheHttpRequest;
import ca.uhn.fhir.rest.client.apache.ApacheHttpResponse;
import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import org.apache.http.HttpEntity;
import org.apache.http.HttpResponse;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.entity.HttpEntityWrapper;

/**
 * A client interceptor for the requests of one piece of work against a source: it puts the caller's
 * timeouts on every request, notes the HTTP status of the last answer, counts each answer's bytes against
 * the cap as they arrive, and can abort the request in progress.
 *
 * <p>The timeouts go on the request because HAPI sends a generic client's requests through the
 * FhirContext's client factory, not the factory that made the client: timeouts set on a factory of
 * one's own are silently ignored. They replace the factory's request defaults, so a proxy set on
 * HAPI's factory would not apply (system proxy properties still do). The status is noted because
 * HAPI's exceptions do not tell it reliably. Used by one thread at a time, except {@link #abort()}, which
 * any thread may call.
 */
final class SourceExchange implements IClientInterceptor {

    private final RequestConfig timeouts;
    private final long maxResponseBytes;
    private volatile Integer lastStatus;
    private volatile HttpRequestBase current;
    private volatile boolean aborted;
    private volatile boolean tooLarge;

    SourceExchange(RequestConfig timeouts, long maxResponseBytes) {
        this.timeouts = timeouts;
        this.maxResponseBytes = maxResponseBytes;
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

    /** Whether an answer went over the byte cap (and was cut off there). */
    boolean tooLarge() {
        return tooLarge;
    }

    long maxResponseBytes() {
        return maxResponseBytes;
    }

    /**
     * Closes the connection of the request in progress, which makes a read blocked on it fail at once, and
     * makes every later request of this exchange fail before it is sent. An aborted connection is closed, not
     * drained, and not reused.
     */
    void abort() {
        aborted = true;
        HttpRequestBase request = current;
        if (request != null) {
            request.abort();
        }
    }

    @Override
    public void interceptRequest(IHttpRequest request) {
        if (!(request instanceof ApacheHttpRequest apache)) {
            throw new IllegalStateException("the FHIR context must use HAPI's Apache HTTP client factory");
        }
        HttpRequestBase http = apache.getApacheRequest();
        http.setConfig(timeouts);
        current = http;
        if (aborted) {
            http.abort();
        }
    }

    @Override
    public void interceptResponse(IHttpResponse response) {
        lastStatus = response.getStatus();
        // HAPI reads the body after the interceptors ran, through the native response's entity; the cap goes there.
        if (response instanceof ApacheHttpResponse apache) {
            HttpResponse http = apache.getResponse();
            if (http.getEntity() != null) {
                http.setEntity(new CappedEntity(http.getEntity()));
            }
        } else {
            throw new IllegalStateException("the FHIR context must use HAPI's Apache HTTP client factory");
        }
    }

    /** An answer's body that fails as soon as more than the cap has come, or is announced. */
    private final class CappedEntity extends HttpEntityWrapper {
        CappedEntity(HttpEntity wrapped) {
            super(wrapped);
        }

        @Override
        public InputStream getContent() throws IOException {
            if (wrappedEntity.getContentLength() > maxResponseBytes) {
                throw overCap();
            }
            return new CountingStream(wrappedEntity.getContent());
        }

        @Override
        public boolean isRepeatable() {
            return false;
        }
    }

    private final class CountingStream extends FilterInputStream {
        private long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            counted(skipped);
            return skipped;
        }

        private void counted(long n) throws IOException {
            count += n;
            if (count > maxResponseBytes) {
                throw overCap();
            }
        }
    }

    /** Aborts first: closing the stream would otherwise read the rest of the answer to reuse the connection. */
    private IOException overCap() {
        tooLarge = true;
        abort();
        return new IOException("the answer is larger than " + maxResponseBytes + " bytes");
    }
}
