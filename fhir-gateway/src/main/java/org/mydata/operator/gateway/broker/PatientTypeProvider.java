package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;

/** The cohort's Patient resources, stripped of everything that names them. */
final class PatientTypeProvider extends BrokeredTypeProvider {

    PatientTypeProvider(Broker broker, FhirContext fhirContext, Clock clock) {
        super(Patient.class, broker, fhirContext, clock);
    }

    @Read
    public Resource read(@IdParam IdType id) {
        return super.read(id);
    }

    @Search
    public IBundleProvider search(@OptionalParam(name = "_id") TokenAndListParam ids) {
        Set<String> wanted = ids(ids);
        return search(new SearchCriteria(wanted, wanted, Map.of(), null));
    }
}
