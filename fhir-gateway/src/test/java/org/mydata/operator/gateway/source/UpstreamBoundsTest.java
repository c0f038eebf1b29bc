package org.mydata.operator.gateway.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.gateway.GatewaySettings;
import org.mydata.operator.gateway.testing.BundledDemoSource;
import org.mydata.operator.gateway.testing.RawHttpSource;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceAuth;

/**
 * Reads of sources are bounded in time, size and pages, and a slow source holds only its own bulkhead: against
 * real sockets that trickle, flood or page without end.
 */
class UpstreamBoundsTest {
    private static final String EMPTY = "{\"resourceType\":\"Bundle\",\"type\":\"searchset\"}";
    /** One read at a time per source and no queue: the second read of a busy source is refused at once. */
    private final GatewaySettings settings = new GatewaySettings(Duration.ofSeconds(1), Duration.ofSeconds(1),
            Duration.ofSeconds(2), 1024 * 1024, 3, 1, 0);
    private final SourceClients clients = new SourceClients(BundledDemoSource.FHIR, settings, java.time.Clock.systemUTC());
    private final SourceReader reader = new SourceReader(clients);
    private final UpstreamReads reads = new UpstreamReads(clients);
    private final List<RawHttpSource> servers = new ArrayList<>();
    private final List<Resource> handedOver = new CopyOnWriteArrayList<>();

    /** The context scans the R4 model when first used, which on a busy machine alone takes longer than the deadline. */
    @BeforeAll
    static void warmUp() {
        BundledDemoSource.FHIR.newJsonParser().parseResource(EMPTY);
    }

    @AfterEach
    void stop() throws IOException {
        reads.close();
        clients.close();
        for (RawHttpSource server : servers) {
            server.close();
        }
    }

    @Test
    void aTricklingSourceIsCutOffAtTheDeadlineAndItsConnectionClosed() throws Exception {
        RawHttpSource trickling = server(RawHttpSourceAnswers::trickle);
        FhirSource source = source(trickling);

        Future<Void> read = read(source);

        SourceUnavailableException failure = failure(read);
        assertThat(failure.timedOut()).isTrue();
        assertThat(failure.getMessage()).contains("did not answer within the deadline of 2 s")
                .contains("the connection was closed");
        assertThat(handedOver).isEmpty();
        // The thread that read is free again, and the source saw its connection closed under it.
        await(() -> reads.running(source.id()) == 0);
        await(() -> trickling.closedByClient() == 1);
    }

    @Test
    void aFullBulkheadRefusesAtOnceWhileOtherSourcesAreReadAsUsual() throws Exception {
        RawHttpSource trickling = server(RawHttpSourceAnswers::trickle);
        RawHttpSource healthy = server((target, out) -> RawHttpSource.json(out, EMPTY));
        FhirSource slow = source(trickling);

        Future<Void> first = read(slow);
        await(() -> reads.running(slow.id()) == 1);
        Future<Void> second = read(slow);

        assertThat(second.isDone()).as("refused without waiting").isTrue();
        SourceUnavailableException busy = failure(second);
        assertThat(busy.timedOut()).isTrue();
        assertThat(busy.getMessage()).contains("is busy");
        read(source(healthy)).get(10, TimeUnit.SECONDS);
        assertThat(first.isDone()).as("the slow read still runs while the other source answered").isFalse();

        // A read the caller gives up on closes its connection then, not at its deadline.
        first.cancel(true);
        await(() -> trickling.closedByClient() == 1);
        await(() -> reads.running(slow.id()) == 0);
        assertThat(handedOver).isEmpty();
    }

    @Test
    void anAnswerOverTheByteCapIsCutOffWithoutReadingTheRest() throws Exception {
        RawHttpSource flooding = server(RawHttpSourceAnswers::flood);

        SourceUnavailableException failure = failure(read(source(flooding)));

        assertThat(failure.timedOut()).isFalse();
        assertThat(failure.getMessage()).contains("larger than the limit of 1048576 bytes");
        assertThat(handedOver).isEmpty();
        await(() -> flooding.closedByClient() == 1);
        // The source would send 400 MB; what it got out is the cap and what the socket buffers took.
        assertThat(flooding.bytesSent()).isLessThan(64L * 1024 * 1024);
    }

    @Test
    void anAnnouncedLengthOverTheCapFailsBeforeTheBodyIsRead() throws Exception {
        RawHttpSource announcing = server((target, out) -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: 400000000\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(EMPTY.getBytes(StandardCharsets.UTF_8));
            out.flush();
            Thread.sleep(10_000);
        });

        SourceUnavailableException failure = failure(read(source(announcing)));

        assertThat(failure.getMessage()).contains("larger than the limit");
        assertThat(handedOver).isEmpty();
    }

    /**
     * The page cap, not the clock, ends the read: it runs under time bounds that a few local pages never reach even
     * on a busy machine (under the class's 2 s deadline a slow run ended by the deadline instead, and failed), so
     * what is asserted is the cap: the read failed for paging past it, not for time, after exactly the cap's pages.
     */
    @Test
    void endlessPagingStopsAtThePageCap() throws Exception {
        AtomicReference<String> base = new AtomicReference<>();
        AtomicInteger page = new AtomicInteger();
        RawHttpSource paging = server((target, out) -> RawHttpSource.json(out, "{\"resourceType\":\"Bundle\","
                + "\"type\":\"searchset\",\"link\":[{\"relation\":\"next\",\"url\":\"" + base.get()
                + "/Observation?page=" + page.incrementAndGet() + "\"}]}"));
        base.set(paging.baseUrl());
        GatewaySettings untimed = new GatewaySettings(Duration.ofSeconds(10), Duration.ofSeconds(10),
                Duration.ofSeconds(15), settings.maxResponseBytes(), settings.maxPagesPerCall(), 1, 0);
        try (SourceClients generous = new SourceClients(BundledDemoSource.FHIR, untimed, java.time.Clock.systemUTC());
             UpstreamReads generousReads = new UpstreamReads(generous)) {
            SourceReader pager = new SourceReader(generous);
            SourceUnavailableException failure = failure(generousReads.submit(source(paging), untimed.deadline(),
                    call -> {
                        pager.read(call, "Observation", "patient", List.of("p1"), Map.of(), handedOver::addAll);
                        return null;
                    }));

            assertThat(failure.timedOut()).as(paging.targets().toString()).isFalse();
            assertThat(failure.getMessage()).contains("kept paging past the limit of 3 pages");
            assertThat(paging.targets()).hasSize(3);
        }
    }

    @Test
    void aPagingLoopStopsAtTheFirstRepeat() throws Exception {
        AtomicReference<String> base = new AtomicReference<>();
        RawHttpSource looping = server((target, out) -> RawHttpSource.json(out, "{\"resourceType\":\"Bundle\","
                + "\"type\":\"searchset\",\"link\":[{\"relation\":\"next\",\"url\":\"" + base.get()
                + "/Observation?page=1\"}]}"));
        base.set(looping.baseUrl());

        SourceUnavailableException failure = failure(read(source(looping)));

        assertThat(failure.getMessage()).contains("paged in a loop");
        assertThat(looping.targets()).hasSize(2);
    }

    /**
     * A fault in the gateway's own handling of a page the source delivered whole is the gateway's: it comes out as
     * it was thrown (the gateway answers 500), never as the source's outage (502 blaming the source).
     */
    @Test
    void aFaultInTheGatewaysHandlingOfAPageIsNotTheSources() throws Exception {
        RawHttpSource healthy = server((target, out) -> RawHttpSource.json(out, EMPTY));
        IllegalStateException fault = new IllegalStateException("the gateway's own bug");

        Future<Void> read = reads.submit(source(healthy), settings.deadline(), call -> {
            reader.read(call, "Observation", "patient", List.of("p1"), Map.of(), page -> {
                throw fault;
            });
            return null;
        });

        assertThatThrownBy(() -> read.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isSameAs(fault);
    }

    private Future<Void> read(FhirSource source) {
        return reads.submit(source, settings.deadline(), call -> {
            reader.read(call, "Observation", "patient", List.of("p1"), Map.of(), handedOver::addAll);
            return null;
        });
    }

    private static SourceUnavailableException failure(Future<?> read) throws InterruptedException {
        try {
            read.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(SourceUnavailableException.class);
            return (SourceUnavailableException) e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the read was not ended", e);
        }
        throw new AssertionError("the read succeeded");
    }

    private RawHttpSource server(RawHttpSource.Answer answer) throws IOException {
        RawHttpSource server = new RawHttpSource(answer);
        servers.add(server);
        return server;
    }

    private static FhirSource source(RawHttpSource server) {
        return new FhirSource(UUID.randomUUID(), "Source " + server.baseUrl(), URI.create(server.baseUrl()),
                new SourceAuth.None(), Instant.now());
    }

    /** Waits for something that happens as a consequence, not for a speed: the bound is generous. */
    private static void await(BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("the condition did not come true");
            }
            Thread.sleep(20);
        }
    }

    /** Answers of misbehaving sources. */
    static final class RawHttpSourceAnswers {
        /** A valid start, then one byte every 300 ms: never silent long enough for the read timeout. */
        static void trickle(String target, OutputStream out) throws IOException, InterruptedException {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: 100000\r\n\r\n{")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            for (int i = 0; i < 100_000; i++) {
                Thread.sleep(300);
                out.write(' ');
                out.flush();
            }
        }

        /** A body without a length that goes on for 400 MB, as fast as the client takes it. */
        static void flood(String target, OutputStream out) throws IOException {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nConnection: close\r\n\r\n"
                    + "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"id\":\"").getBytes(StandardCharsets.ISO_8859_1));
            byte[] block = new byte[64 * 1024];
            java.util.Arrays.fill(block, (byte) 'a');
            for (int sent = 0; sent < 400 * 1024 * 1024; sent += block.length) {
                out.write(block);
            }
        }
    }
}
