package org.mydata.operator.gateway.broker;

import java.util.UUID;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.permit.CohortMember;

/** A pseudonymised resource ready to go out, with whose it is and which consent lets it go. */
record Released(Resource resource, CohortMember member, UUID consentId) {
}
