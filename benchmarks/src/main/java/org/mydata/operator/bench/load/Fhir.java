package org.mydata.operator.bench.load;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;

/** HAPI's generic client, the same for the gateway and for the source, as a researcher's tooling would use it. */
final class Fhir {
    static final FhirContext CONTEXT = FhirContext.forR4();

    static {
        CONTEXT.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        CONTEXT.getRestfulClientFactory().setSocketTimeout(120_000);
        CONTEXT.getRestfulClientFactory().setPoolMaxTotal(64);
        CONTEXT.getRestfulClientFactory().setPoolMaxPerRoute(64);
    }

    private Fhir() {
    }

    static IGenericClient client(String base, String token) {
        IGenericClient client = CONTEXT.newRestfulGenericClient(base);
        if (token != null) {
            client.registerInterceptor(new BearerTokenAuthInterceptor(token));
        }
        return client;
    }

    /** Every page of a search. */
    static List<Resource> readAll(IGenericClient client, String query) {
        List<Resource> all = new ArrayList<>();
        Bundle page = client.search().byUrl(query).returnBundle(Bundle.class).execute();
        while (true) {
            page.getEntry().forEach(e -> all.add(e.getResource()));
            if (page.getLink(Bundle.LINK_NEXT) == null) {
                return all;
            }
            page = client.loadPage().next(page).execute();
        }
    }

    /** Every page of a search; returns how many resources and how many HTTP requests it took. */
    static int[] count(IGenericClient client, String query) {
        return count(client, query, n -> { });
    }

    /** As above, telling onPage how many resources each page brought as it arrives. */
    static int[] count(IGenericClient client, String query, java.util.function.IntConsumer onPage) {
        int resources = 0;
        int requests = 1;
        Bundle page = client.search().byUrl(query).returnBundle(Bundle.class).execute();
        while (true) {
            resources += page.getEntry().size();
            onPage.accept(page.getEntry().size());
            if (page.getLink(Bundle.LINK_NEXT) == null) {
                return new int[] {resources, requests};
            }
            page = client.loadPage().next(page).execute();
            requests++;
        }
    }
}
