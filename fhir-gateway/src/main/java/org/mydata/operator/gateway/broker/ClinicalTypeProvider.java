package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.time.Clock;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.gateway.registry.BrokeredType;

/**
 * Read and search for one brokered resource type, the cohort's Patient resources (stripped of everything that
 * names them) as much as each clinical type. The search takes any parameter: which of them the type
 * answers is {@link SearchSupport}'s word, applied by {@link StrictSearch} before the search runs, so a
 * parameter is answered exactly or refused (or, under lenient handling, ignored and said so), never ignored
 * silently.
 */
final class ClinicalTypeProvider extends BrokeredTypeProvider {

    ClinicalTypeProvider(BrokeredType brokered, Broker broker, Clock clock) {
        super(brokered, broker, clock);
    }

    @Read
    public Resource read(@IdParam IdType id) {
        return super.read(id);
    }

    @Search(allowUnknownParams = true)
    public IBundleProvider search(RequestDetails details) {
        return searchAsAsked(details);
    }
}
