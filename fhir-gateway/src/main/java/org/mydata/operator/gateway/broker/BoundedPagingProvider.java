package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.BasePagingProvider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The searches a node remembers for their next pages, bounded by what they hold: at most {@code maxResources}
 * resources across all of them, the oldest dropped first, and none kept longer than {@code maxAge}. HAPI's
 * {@code FifoMemoryPagingProvider} bounds only the number of searches, and 1,000 searches of one patient's
 * 700 Observations held 1.3 GB of the heap (docs/benchmarks.md). A dropped search's next link answers
 * 410 Gone, and the client runs the search again.
 */
final class BoundedPagingProvider extends BasePagingProvider {
    private final int maxResources;
    private final Duration maxAge;
    private final Clock clock;
    private final Map<String, Held> searches = new LinkedHashMap<>();
    private long held;

    private record Held(IBundleProvider results, int size, Instant storedAt) {
    }

    BoundedPagingProvider(int maxResources, Duration maxAge, Clock clock) {
        if (maxResources < 1) {
            throw new IllegalArgumentException("maxResources must be positive");
        }
        this.maxResources = maxResources;
        this.maxAge = Objects.requireNonNull(maxAge, "maxAge");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public synchronized IBundleProvider retrieveResultList(RequestDetails request, String id) {
        dropExpired();
        Held search = searches.get(id);
        return search == null ? null : search.results();
    }

    @Override
    public synchronized String storeResultList(RequestDetails request, IBundleProvider results) {
        dropExpired();
        String id = UUID.randomUUID().toString();
        int size = Math.max(0, Objects.requireNonNullElse(results.size(), 0));
        searches.put(id, new Held(results, size, clock.instant()));
        held += size;
        // The newest search stays even when it alone is over the bound: its first page has just been sent.
        Iterator<Held> oldest = searches.values().iterator();
        while (held > maxResources && searches.size() > 1) {
            held -= oldest.next().size();
            oldest.remove();
        }
        return id;
    }

    /** How many resources the remembered searches hold now. */
    synchronized long heldResources() {
        return held;
    }

    private void dropExpired() {
        Instant cutoff = clock.instant().minus(maxAge);
        Iterator<Held> oldest = searches.values().iterator();
        while (oldest.hasNext()) {
            Held search = oldest.next();
            if (!search.storedAt().isBefore(cutoff)) {
                return;
            }
            held -= search.size();
            oldest.remove();
        }
    }
}
