package org.mydata.operator.gateway.source;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.gclient.IQuery;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.source.FhirSource;

/**
 * Reads one resource type for a set of patients from a FHIR R4 source, following the source's paging
 * to the end, but no further than the page cap. Anything odd in the answer (an error status, a timeout, a
 * body that is not a searchset Bundle or is over the byte cap, an entry of another type, paging without end)
 * fails the whole read: half an answer is never passed on as whole.
 */
public class SourceReader {
    private final SourceClients clients;
    private final int maxPages;
    /** Upstream pages are asked large: fewer round trips, and the gateway pages for the researcher anyway. */
    private final int pageSize;

    public SourceReader(SourceClients clients) {
        this.clients = clients;
        this.maxPages = clients.settings().maxPagesPerCall();
        this.pageSize = clients.settings().upstreamPageSize();
    }

    /**
     * {@code GET [base]/[type]?[patientParameter]=id1,id2,...&[passThrough]}, every page, each handed to
     * {@code page} as it arrives, so that a caller holds one page of parsed resources at a time. When a later
     * page fails, earlier pages were handed over already: the caller must drop what it made of them.
     *
     * @param call the source and the deadline; its connection is closed when the deadline passes
     * @param patientParameter {@code _id} for Patient, {@code patient} for clinical types
     * @param passThrough search parameters whose meaning the operator does not change (code, category)
     */
    public void read(UpstreamCall call, String resourceType, String patientParameter, List<String> patientIds,
                     Map<String, List<String>> passThrough, Consumer<List<Resource>> page) {
        FhirSource source = call.source();
        SourceClients.Exchange exchange = clients.open(call);
        try {
            IGenericClient client = exchange.client();
            StringBuilder url = new StringBuilder(resourceType).append('?').append(patientParameter).append('=')
                    .append(String.join(",", patientIds.stream().map(SourceReader::encode).toList()));
            passThrough.forEach((name, values) -> values.forEach(v -> url.append('&').append(encode(name)).append('=')
                    .append(encode(v))));
            url.append("&_count=").append(pageSize);
            IQuery<Bundle> query = client.search().byUrl(source.fhirBaseUrl() + "/" + url).returnBundle(Bundle.class);
            Bundle bundle = query.execute();
            Set<String> followed = new HashSet<>();
            for (int pages = 1; ; pages++) {
                List<Resource> resources = new ArrayList<>(bundle.getEntry().size());
                collect(source, resourceType, bundle, resources);
                try {
                    page.accept(resources);
                } catch (RuntimeException e) {
                    throw new InGateway(e);
                }
                Bundle.BundleLinkComponent next = bundle.getLink(Bundle.LINK_NEXT);
                if (next == null) {
                    return;
                }
                // A next link seen before is a loop: it would go round until the cap, for nothing.
                if (!followed.add(next.getUrl())) {
                    throw HapiPatientLookup.failed(source, "paged in a loop (a next link led back to an earlier page)",
                            null);
                }
                if (pages >= maxPages) {
                    throw HapiPatientLookup.failed(source, "kept paging past the limit of " + maxPages
                            + " pages for one read", null);
                }
                bundle = client.loadPage().next(bundle).execute();
            }
        } catch (InGateway e) {
            // The gateway's own handling of what the source sent failed: the source is not to blame.
            throw e.fault;
        } catch (RuntimeException e) {
            throw clients.failed(exchange, e);
        }
    }

    /** A failure of the caller's handling of a page, carried past the source's failure handling unchanged. */
    private static final class InGateway extends RuntimeException {
        private final RuntimeException fault;

        InGateway(RuntimeException fault) {
            super(null, null, false, false);
            this.fault = fault;
        }
    }

    private static void collect(FhirSource source, String resourceType, Bundle page, List<Resource> into) {
        if (page.getType() != Bundle.BundleType.SEARCHSET) {
            throw HapiPatientLookup.failed(source, "answered a search with something other than a search result", null);
        }
        for (BundleEntryComponent entry : page.getEntry()) {
            if (entry.hasSearch() && entry.getSearch().getMode() != Bundle.SearchEntryMode.MATCH) {
                continue;
            }
            Resource resource = entry.getResource();
            if (resource == null || !resource.fhirType().equals(resourceType) || !resource.getIdElement().hasIdPart()) {
                throw HapiPatientLookup.failed(source, "answered a " + resourceType + " search with other content", null);
            }
            into.add(resource);
        }
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
    }
}
