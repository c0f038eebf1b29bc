package org.mydata.operator.gateway.registry;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Type;

/**
 * One FHIR type the gateway brokers, declared once: everything else (the server's providers, the
 * CapabilityStatement, the release decision, the bulk export and the de-identification) reads it from here.
 *
 * @param name the FHIR type name, which is also the name of its de-identification profile
 * @param resourceClass the R4 model class
 * @param subject the reference to the Patient the resource is about; null for Patient, which is the person
 * @param clinicalDate the element the resource's clinical date is read from (R4's {@code clinical-date}
 *     search parameter); what a consent's data period and a researcher's {@code date} search judge by
 * @param upstreamPatientParameter how the source is asked for a set of persons' resources of this type
 * @param tokenParameters R4 token search parameters of this type that are also passed on to the source, to
 *     narrow what it sends (codes mean the same at the source and after de-identification; the gateway still
 *     judges every token criterion itself on what it releases). Only parameters R4 defines for the type, and
 *     only those sources are known to answer: a real FHIR server refuses a parameter it does not know.
 * @param dateParameter the R4 date search parameter on the clinical date ({@code date}, Condition's
 *     {@code onset-date}, MedicationRequest's {@code authoredon}), answered by the gateway on the shifted
 *     date; null where the clinical date is not released, since a search on a withheld date would let a
 *     researcher recover it range by range
 */
public record BrokeredType(String name, Class<? extends Resource> resourceClass,
                           Function<Resource, Reference> subject, Function<Resource, Type> clinicalDate,
                           String upstreamPatientParameter, List<String> tokenParameters, String dateParameter) {

    public BrokeredType {
        tokenParameters = List.copyOf(tokenParameters);
    }

    /** Whether the gateway answers a date search on this type (on its shifted clinical date). */
    public boolean dateSearch() {
        return dateParameter != null;
    }

    public boolean isPatient() {
        return subject == null;
    }

    /** The instant the resource's clinical date starts at, if it has one. */
    public Optional<Date> clinicalInstant(Resource resource) {
        Type value = clinicalDate == null ? null : clinicalDate.apply(resource);
        if (value instanceof Period period) {
            return Optional.ofNullable(period.getStart());
        }
        if (value instanceof BaseDateTimeType date) {
            return Optional.ofNullable(date.getValue());
        }
        return Optional.empty();
    }

    /** The clinical day (UTC) of the resource, as a consent's data period judges it. */
    public Optional<LocalDate> clinicalDay(Resource resource) {
        return clinicalInstant(resource).map(d -> d.toInstant().atOffset(ZoneOffset.UTC).toLocalDate());
    }
}
