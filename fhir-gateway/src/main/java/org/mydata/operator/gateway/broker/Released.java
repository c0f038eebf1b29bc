package org.mydata.operator.gateway.broker;

import java.time.LocalDate;
import java.util.UUID;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.permit.CohortMember;

/**
 * A pseudonymised resource ready to go out, with whose it is, which consent lets it go, and the day
 * (at the source, before any shift) its consent was judged by, or null if it has none.
 */
record Released(Resource resource, CohortMember member, UUID consentId, LocalDate day) {
}
