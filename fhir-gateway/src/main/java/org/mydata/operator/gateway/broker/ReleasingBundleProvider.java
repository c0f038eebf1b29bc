package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.method.ResponsePage;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Resource;

/**
 * A search result that decides again at every page. HAPI keeps it for the {@code next} links; each page
 * asked later is checked against the permit and the cohort as they are at that moment, so a person who
 * withdrew between two pages is not on the second, and each page released writes its own access event.
 */
final class ReleasingBundleProvider implements IBundleProvider {
    private final Broker broker;
    private final UUID permitId;
    private final String type;
    private final List<Released> results;
    private final InstantType published;
    private final AtomicBoolean firstPage = new AtomicBoolean(true);
    private final List<SearchParser.Include> includes;

    /** @param includes what each page brings along ({@code _include}), already narrowed to the permit's types */
    ReleasingBundleProvider(Broker broker, UUID permitId, String type, List<Released> results, Date published,
                            List<SearchParser.Include> includes) {
        this.broker = broker;
        this.includes = List.copyOf(includes);
        this.permitId = permitId;
        this.type = type;
        this.results = List.copyOf(results);
        this.published = new InstantType(published);
    }

    @Override
    public List<IBaseResource> getResources(int from, int to, ResponsePage.ResponsePageBuilder page) {
        GatewayContext.Current current = GatewayContext.get()
                .filter(c -> c.issued().id().equals(permitId))
                .orElseThrow(() -> new ResourceNotFoundException("No such search result."));
        List<Released> slice = results.subList(Math.min(from, results.size()), Math.min(to, results.size()));
        boolean first = firstPage.getAndSet(false);
        // The search itself decided a moment ago; later pages decide again.
        List<Released> allowed = first ? slice : broker.stillReleasable(current.permit(), type, slice);
        List<Resource> matches = broker.recordRelease(current.permit(), current.caller(), type,
                first ? "search" : "search-page", allowed).stream().map(Released::resource).toList();
        List<IBaseResource> released = new ArrayList<>(matches);
        if (!includes.isEmpty() && !matches.isEmpty()) {
            released.addAll(Included.of(broker, current, includes, matches));
        }
        page.setResources(released);
        return released;
    }

    @Override
    public IPrimitiveType<Date> getPublished() {
        return published;
    }

    @Override
    public String getUuid() {
        return null;
    }

    @Override
    public Integer preferredPageSize() {
        return null;
    }

    @Override
    public Integer size() {
        return results.size();
    }
}
