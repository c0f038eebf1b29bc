package org.mydata.operator.gateway;

import java.time.Duration;

/**
 * The gateway's settings in one place: every bound on an upstream read, and the pace and memory of searches,
 * paging and exports. The operator binds these to {@code operator.gateway.*} (docs/operating.md);
 * {@link #defaults()} is what applies unless set.
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
 * @param upstreamPageSize the {@code _count} asked of sources: large, for few round trips (the gateway pages
 *     for the researcher anyway)
 * @param patientsPerRequest patients per upstream request of a search: short enough URLs, few round trips
 * @param exportPatientsPerRequest patients per upstream request of an export, fewer: what an export holds is a
 *     chunk's worth, whatever the cohort's size
 * @param exportReadAhead chunks an export has asked for ahead of the one it is writing
 * @param defaultPageSize resources per page of a search when the researcher gives no {@code _count}
 * @param maxPageSize the largest {@code _count} answered; a larger one is refused (400)
 * @param rememberedResources the most resources the searches a node remembers for their next pages may hold
 *     together (about 5 KB each when parsed); the oldest search is dropped first
 * @param rememberedFor how long a search is remembered for its next pages
 * @param runningExports bulk exports that run at once on a node
 * @param maxExports bulk exports that may run or wait on a node
 * @param exportRetention how long a finished export's files are kept
 * @param exportHeartbeat how often a node says that it still runs its exports; at most 30 s, a third of the
 *     90 s after which another node takes a quiet node's export up
 * @param exportSweep how often a node removes expired exports and their files
 * @param exportPollRetryAfter the {@code Retry-After} a poll of a running export is answered with
 * @param exportBusyRetryAfter the {@code Retry-After} of a kick-off refused because the node runs its most exports
 */
public record GatewaySettings(Duration connectTimeout, Duration readTimeout, Duration deadline,
                              long maxResponseBytes, int maxPagesPerCall, int sourceConcurrency, int sourceQueue,
                              int upstreamPageSize, int patientsPerRequest, int exportPatientsPerRequest,
                              int exportReadAhead, int defaultPageSize, int maxPageSize, int rememberedResources,
                              Duration rememberedFor, int runningExports, int maxExports, Duration exportRetention,
                              Duration exportHeartbeat, Duration exportSweep, Duration exportPollRetryAfter,
                              Duration exportBusyRetryAfter) {

    public GatewaySettings {
        positive(connectTimeout, "connectTimeout");
        positive(readTimeout, "readTimeout");
        positive(deadline, "deadline");
        positive(exportHeartbeat, "exportHeartbeat");
        positive(exportSweep, "exportSweep");
        positive(exportPollRetryAfter, "exportPollRetryAfter");
        positive(exportBusyRetryAfter, "exportBusyRetryAfter");
        if (rememberedFor == null || rememberedFor.isNegative() || rememberedFor.isZero()
                || exportRetention == null || exportRetention.isNegative() || exportRetention.isZero()) {
            throw new IllegalArgumentException("rememberedFor and exportRetention must be positive");
        }
        if (maxResponseBytes < 1) {
            throw new IllegalArgumentException("maxResponseBytes must be at least 1");
        }
        atLeastOne(maxPagesPerCall, "maxPagesPerCall");
        atLeastOne(sourceConcurrency, "sourceConcurrency");
        if (sourceQueue < 0) {
            throw new IllegalArgumentException("sourceQueue must not be negative");
        }
        atLeastOne(upstreamPageSize, "upstreamPageSize");
        atLeastOne(patientsPerRequest, "patientsPerRequest");
        atLeastOne(exportPatientsPerRequest, "exportPatientsPerRequest");
        atLeastOne(exportReadAhead, "exportReadAhead");
        atLeastOne(defaultPageSize, "defaultPageSize");
        atLeastOne(rememberedResources, "rememberedResources");
        atLeastOne(runningExports, "runningExports");
        if (maxPageSize < defaultPageSize) {
            throw new IllegalArgumentException("maxPageSize must be at least defaultPageSize");
        }
        if (maxExports < runningExports) {
            throw new IllegalArgumentException("maxExports must be at least runningExports");
        }
    }

    /** The bounds on upstream reads as given, everything else as {@link #defaults()}. */
    public GatewaySettings(Duration connectTimeout, Duration readTimeout, Duration deadline, long maxResponseBytes,
                           int maxPagesPerCall, int sourceConcurrency, int sourceQueue) {
        this(connectTimeout, readTimeout, deadline, maxResponseBytes, maxPagesPerCall, sourceConcurrency, sourceQueue,
                500, 40, 10, 4, 50, 500, 50_000, Duration.ofMinutes(30), 2, 8, Duration.ofHours(24),
                Duration.ofSeconds(10), Duration.ofMinutes(10), Duration.ofSeconds(2), Duration.ofSeconds(60));
    }

    /**
     * Sized for FHIR servers that page at 500 resources (a page of Observations is about 1 MB; 16 MB leaves room
     * for reports with attachments) and may cap page size lower, so that a chunk of 40 heavy patients still fits
     * in 1,000 pages; 8 reads at once per source is what the whole gateway had before sources had their own.
     * Remembered searches hold at most 50,000 resources, about 250 MB parsed (docs/benchmarks.md).
     */
    public static GatewaySettings defaults() {
        return new GatewaySettings(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
                16L * 1024 * 1024, 1_000, 8, 32);
    }

    public GatewaySettings withTimeouts(Duration connectTimeout, Duration readTimeout) {
        return new GatewaySettings(connectTimeout, readTimeout, deadline, maxResponseBytes, maxPagesPerCall,
                sourceConcurrency, sourceQueue, upstreamPageSize, patientsPerRequest, exportPatientsPerRequest,
                exportReadAhead, defaultPageSize, maxPageSize, rememberedResources, rememberedFor, runningExports,
                maxExports, exportRetention, exportHeartbeat, exportSweep, exportPollRetryAfter, exportBusyRetryAfter);
    }

    private static void atLeastOne(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1");
        }
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
