package org.mydata.operator.gateway.broker;

import java.time.LocalDate;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.permit.CohortMember;
import org.mydata.operator.release.Grant;

/**
 * A pseudonymised resource ready to go out, with whose it is, what lets it go (a consent, or under an opt-out
 * basis the person's inclusion), and the day (at the source, before any shift) it was judged by, or null if it
 * has none.
 */
public record Released(Resource resource, CohortMember member, Grant reliedOn, LocalDate day) {
}
