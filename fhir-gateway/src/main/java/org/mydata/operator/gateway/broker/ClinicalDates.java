package org.mydata.operator.gateway.broker;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Optional;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Type;

/**
 * The date a clinical resource is about: what a consent's data period and a researcher's {@code date}
 * search are judged by. The types and elements follow the R4 {@code clinical-date} search parameter.
 */
public final class ClinicalDates {
    private ClinicalDates() {
    }

    /** The types the gateway brokers. A type outside this list is refused, never passed through unjudged. */
    public static final java.util.List<String> BROKERED_TYPES = java.util.List.of("Patient", "Observation", "Condition",
            "MedicationRequest", "Encounter", "Procedure", "Immunization", "DiagnosticReport", "AllergyIntolerance");

    public static Optional<Date> of(Resource resource) {
        Type value = null;
        if (resource instanceof Observation o) {
            value = o.getEffective();
        } else if (resource instanceof Condition c) {
            value = c.hasOnset() ? c.getOnset() : c.getRecordedDateElement();
        } else if (resource instanceof Encounter e) {
            value = e.getPeriod();
        } else if (resource instanceof MedicationRequest m) {
            value = m.getAuthoredOnElement();
        } else if (resource instanceof Procedure p) {
            value = p.getPerformed();
        } else if (resource instanceof Immunization i) {
            value = i.getOccurrence();
        } else if (resource instanceof DiagnosticReport d) {
            value = d.getEffective();
        } else if (resource instanceof AllergyIntolerance a) {
            value = a.getRecordedDateElement();
        } else if (resource instanceof Patient) {
            return Optional.empty();
        }
        if (value instanceof Period period) {
            return Optional.ofNullable(period.getStart());
        }
        if (value instanceof org.hl7.fhir.r4.model.BaseDateTimeType date) {
            return Optional.ofNullable(date.getValue());
        }
        return Optional.empty();
    }

    public static Optional<LocalDate> dayOf(Resource resource) {
        return of(resource).map(d -> d.toInstant().atOffset(ZoneOffset.UTC).toLocalDate());
    }
}
