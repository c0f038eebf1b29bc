package org.mydata.operator.gateway;

import java.time.Duration;

/**
 * How far the gateway trusts its sources: every bound on an upstream read in one place. The operator binds
 * these to {@code operator.gateway.*} (docs/operating.md); {@link #defaults()} is what applies unless set.
 *
 * @param connectTimeout the longest wait for a connection to a source (or its token endpoint), and for a
 *     free pooled connection
 * @param readTimeout the longest silence while reading one answer. A source that sends a byte now and then
 *     never trips it; the deadline is what ends such a read.
 * @param deadline the longest a read of the sources may take as a whole, including waiting for a turn at a
 *     busy source. When it passes, the connection is closed, so no thread goes on reading for nobody.
 * @param maxResponseBytes the most one upstream answer (one page) may hold, counted as it arrives, after
 *     decompression; a larger answer is cut off and fails the read
 * @param maxPagesPerCall the most upstream pages one read (one chunk of patients, one type) may follow
 * @param sourceConcurrency the most reads one source serves at once, on threads of its own, so a slow source
 *     holds at most these and never the threads that read other sources
 * @param sourceQueue the most reads that may wait for a busy source; beyond that a read fails at once
 */
public record GatewaySettings(Duration connectTimeout, Duration readTimeout, Duration deadline,
                              long maxResponseBytes, int maxPagesPerCall, int sourceConcurrency, int sourceQueue) {

    public GatewaySettings {
        positive(connectTimeout, "connectTimeout");
        positive(readTimeout, "readTimeout");
        positive(deadline, "deadline");
        if (maxResponseBytes < 1) {
            throw new IllegalArgumentException("maxResponseBytes must be at least 1");
        }
        if (maxPagesPerCall < 1) {
            throw new IllegalArgumentException("maxPagesPerCall must be at least 1");
        }
        if (sourceConcurrency < 1) {
            throw new IllegalArgumentException("sourceConcurrency must be at least 1");
        }
        if (sourceQueue < 0) {
            throw new IllegalArgumentException("sourceQueue must not be negative");
        }
    }

    /**
     * Sized for FHIR servers that page at 500 resources (a page of Observations is about 1 MB; 16 MB leaves room
     * for reports with attachments) and may cap page size lower, so that a chunk of 40 heavy patients still fits
     * in 1,000 pages; 8 reads at once per source is what the whole gateway had before sources had their own.
     */
    public static GatewaySettings defaults() {
        return new GatewaySettings(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
                16L * 1024 * 1024, 1_000, 8, 32);
    }

    public GatewaySettings withTimeouts(Duration connectTimeout, Duration readTimeout) {
        return new GatewaySettings(connectTimeout, readTimeout, deadline, maxResponseBytes, maxPagesPerCall,
                sourceConcurrency, sourceQueue);
    }

    private static void positive(Duration value, String name) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        if (value.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " is too long");
        }
    }
}
