package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.time.Clock;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.gateway.registry.BrokeredTypes;

/** The cohort's Patient resources, stripped of everything that names them. */
final class PatientTypeProvider extends BrokeredTypeProvider {

    PatientTypeProvider(Broker broker, Clock clock) {
        super(BrokeredTypes.of("Patient"), broker, clock);
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
