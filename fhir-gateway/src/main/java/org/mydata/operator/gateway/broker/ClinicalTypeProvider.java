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
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.gateway.registry.BrokeredType;

/**
 * Read and search for one clinical resource type, with the parameters the gateway can judge. The
 * annotations name every parameter any brokered type takes; which of them this type answers is the
 * registry's word, and the others are refused rather than ignored.
 */
final class ClinicalTypeProvider extends BrokeredTypeProvider {
    private final BrokeredType brokered;

    ClinicalTypeProvider(BrokeredType brokered, Broker broker, FhirContext fhirContext, Clock clock) {
        super(brokered.resourceClass(), broker, fhirContext, clock);
        this.brokered = brokered;
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
            @OptionalParam(name = "date") DateRangeParam date) {
        Map<String, TokenAndListParam> tokens = new LinkedHashMap<>();
        tokens.put("code", code);
        tokens.put("category", category);
        tokens.forEach((name, value) -> {
            if (value != null && !brokered.tokenParameters().contains(name)) {
                throw new InvalidRequestException("The gateway does not search " + brokered.name() + " by " + name
                        + (brokered.tokenParameters().isEmpty() ? "."
                        : "; it answers " + String.join(", ", brokered.tokenParameters()) + "."));
            }
        });
        if (nonEmpty(date) != null && !brokered.dateSearch()) {
            throw new InvalidRequestException("The gateway does not search " + brokered.name() + " by date: the date "
                    + "it would search on is not released.");
        }
        return search(new SearchCriteria(ids(ids), patients(patient, subject), passThrough(tokens), nonEmpty(date)));
    }
}
