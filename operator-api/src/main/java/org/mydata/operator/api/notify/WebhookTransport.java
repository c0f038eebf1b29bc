package org.mydata.operator.api.notify;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpPost;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.entity.ContentType;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.mydata.operator.background.DaemonThreads;
import org.mydata.operator.notify.Deliveries;
import org.mydata.operator.source.SourceHosts;

/**
 * Posts a signed event to a webhook over Apache HttpClient (already the gateway's client): the connection goes
 * only to addresses {@link SourceHosts} lets through, checked on the address actually connected to (so a name
 * re-pointed after registration is refused too); no redirects are followed (a redirect could lead anywhere);
 * the whole attempt is aborted at {@code requestTimeout}, whatever the receiver does, and at most a few bytes
 * of its answer are read. Never throws: every failure is a {@link Deliveries.Result}.
 *
 * <p>Endpoints share no connection limit. The pool holds a connection for every attempt that can be in flight at
 * once ({@code maxInFlight}, the dispatcher's workers), for any one host as for all hosts together, so an attempt
 * never waits for a connection that another endpoint's attempt holds: receivers that hang on one host cannot delay
 * a healthy receiver on the same host. The dispatcher keeps each webhook to one attempt in flight, so a hanging
 * endpoint holds at most one connection, for at most {@code requestTimeout}.
 */
public final class WebhookTransport implements Deliveries.Transport, AutoCloseable {
    public static final String MEDIA_TYPE = "application/jose";
    private static final int READ_AT_MOST = 4096;

    private final CloseableHttpClient client;
    private final Duration requestTimeout;
    private final ScheduledExecutorService deadlines;

    /**
     * @param maxInFlight how many attempts may run at once through this transport (the dispatcher's workers): as
     *                    many connections are kept, per host and in all
     */
    public WebhookTransport(SourceHosts hosts, Duration connectTimeout, Duration requestTimeout, int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1");
        }
        this.requestTimeout = requestTimeout;
        PoolingHttpClientConnectionManager connections = new PoolingHttpClientConnectionManager(
                RegistryBuilder.<ConnectionSocketFactory>create()
                        .register("http", PlainConnectionSocketFactory.getSocketFactory())
                        .register("https", SSLConnectionSocketFactory.getSystemSocketFactory()).build(),
                null, null, hosts::resolve, 30, TimeUnit.SECONDS);
        // Not a per-host limit below the workers: one attempt, one connection, whichever host it goes to.
        connections.setMaxTotal(maxInFlight);
        connections.setDefaultMaxPerRoute(maxInFlight);
        int connect = (int) connectTimeout.toMillis();
        int total = (int) requestTimeout.toMillis();
        this.client = HttpClientBuilder.create().useSystemProperties().disableCookieManagement()
                .disableRedirectHandling().disableAutomaticRetries().setConnectionManager(connections)
                .setUserAgent("mydata-consent-operator-webhooks")
                .setDefaultRequestConfig(RequestConfig.custom().setConnectTimeout(connect)
                        .setConnectionRequestTimeout(connect).setSocketTimeout(total).build())
                .build();
        this.deadlines = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("webhook-deadlines"));
    }

    @Override
    public Deliveries.Result send(URI url, String webhookId, long webhookTimestamp, String jws) {
        HttpPost post = new HttpPost(url);
        post.setHeader("webhook-id", webhookId);
        post.setHeader("webhook-timestamp", Long.toString(webhookTimestamp));
        post.setEntity(new ByteArrayEntity(jws.getBytes(StandardCharsets.US_ASCII), ContentType.create(MEDIA_TYPE)));
        ScheduledFuture<?> deadline = deadlines.schedule(post::abort, requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        try (CloseableHttpResponse response = client.execute(post)) {
            int status = response.getStatusLine().getStatusCode();
            if (response.getEntity() != null) {
                try (InputStream body = response.getEntity().getContent()) {
                    body.readNBytes(READ_AT_MOST);
                }
            }
            return new Deliveries.Result(status, status >= 200 && status < 300 ? null
                    : "the endpoint answered " + status);
        } catch (IOException | RuntimeException e) {
            String what = post.isAborted() ? "no answer within " + requestTimeout.toSeconds() + " s"
                    : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            return new Deliveries.Result(null, what);
        } finally {
            deadline.cancel(false);
        }
    }

    @Override
    public void close() throws IOException {
        deadlines.shutdownNow();
        client.close();
    }
}
