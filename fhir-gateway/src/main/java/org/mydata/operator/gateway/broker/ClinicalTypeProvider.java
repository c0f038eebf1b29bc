package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;

/** Read and search for one clinical resource type, with the parameters the gateway can judge. */
final class ClinicalTypeProvider extends BrokeredTypeProvider {

    ClinicalTypeProvider(Class<? extends Resource> type, Broker broker, FhirContext fhirContext, Clock clock) {
        super(type, broker, fhirContext, clock);
    }

    @Read
    public Resource read(@IdParam IdType id) {
        return super.read(id);
    }

    @Search
    public IBundleProvider search(
            @OptionalParam(name = "_id") TokenAndListParam ids,
            @OptionalParam(name = "patient") ReferenceAndListParam patient,
            @OptionalParam(name = "subject") ReferenceAndListParam subject,
            @OptionalParam(name = "code") TokenAndListParam code,
            @OptionalParam(name = "category") TokenAndListParam category,
            @OptionalParam(name = "date") DateRangeParam date,
            @OptionalParam(name = "_lastUpdated") DateRangeParam lastUpdated) {
        Map<String, TokenAndListParam> tokens = new LinkedHashMap<>();
        tokens.put("code", code);
        tokens.put("category", category);
        return search(new SearchCriteria(ids(ids), patients(patient, subject), passThrough(tokens), nonEmpty(date),
                nonEmpty(lastUpdated)));
    }
}
