package org.mydata.operator.gateway.demo;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.MedicationAdministration;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.SupplyDelivery;
import org.hl7.fhir.r4.model.Type;

/**
 * Where a patient-compartment type keeps what the demo source searches on: the patient it belongs to,
 * its main code ({@code code}), its category ({@code category}) and its main date ({@code date}).
 *
 * <p>Mostly these are the R4 search parameters of those names. Where R4 names the parameter
 * differently, the demo source still answers to {@code code}/{@code date} so that the gateway can ask
 * every type the same way: Encounter's code is its {@code type}, Immunization's its {@code vaccineCode},
 * a medication's its {@code medicationCodeableConcept}; Condition's date is its onset,
 * MedicationRequest's its {@code authoredOn}, AllergyIntolerance's its {@code recordedDate}. A null
 * accessor means the type has no such element; searching it by that parameter is a client error.
 */
record ClinicalType<T extends Resource>(
        Class<T> type,
        Function<T, Reference> patient,
        Function<T, List<CodeableConcept>> code,
        Function<T, List<CodeableConcept>> category,
        Function<T, Type> date) {

    private static final Map<Class<?>, ClinicalType<?>> BY_TYPE = Stream.of(
            new ClinicalType<>(Observation.class, Observation::getSubject, r -> List.of(r.getCode()), Observation::getCategory, Observation::getEffective),
            new ClinicalType<>(Condition.class, Condition::getSubject, r -> List.of(r.getCode()), Condition::getCategory, Condition::getOnset),
            new ClinicalType<>(MedicationRequest.class, MedicationRequest::getSubject, r -> medication(r.getMedication()), MedicationRequest::getCategory,
                    MedicationRequest::getAuthoredOnElement),
            new ClinicalType<>(MedicationAdministration.class, MedicationAdministration::getSubject, r -> medication(r.getMedication()),
                    r -> List.of(r.getCategory()), MedicationAdministration::getEffective),
            new ClinicalType<>(Encounter.class, Encounter::getSubject, Encounter::getType, null, Encounter::getPeriod),
            new ClinicalType<>(Procedure.class, Procedure::getSubject, r -> List.of(r.getCode()), r -> List.of(r.getCategory()), Procedure::getPerformed),
            new ClinicalType<>(Immunization.class, Immunization::getPatient, r -> List.of(r.getVaccineCode()), null, Immunization::getOccurrence),
            new ClinicalType<>(DiagnosticReport.class, DiagnosticReport::getSubject, r -> List.of(r.getCode()), DiagnosticReport::getCategory,
                    DiagnosticReport::getEffective),
            new ClinicalType<>(AllergyIntolerance.class, AllergyIntolerance::getPatient, r -> List.of(r.getCode()), ClinicalType::allergyCategories,
                    AllergyIntolerance::getRecordedDateElement),
            new ClinicalType<>(CarePlan.class, CarePlan::getSubject, null, CarePlan::getCategory, CarePlan::getPeriod),
            new ClinicalType<>(CareTeam.class, CareTeam::getSubject, null, CareTeam::getCategory, CareTeam::getPeriod),
            new ClinicalType<>(ImagingStudy.class, ImagingStudy::getSubject, ImagingStudy::getProcedureCode, null, ImagingStudy::getStartedElement),
            new ClinicalType<>(Device.class, Device::getPatient, r -> List.of(r.getType()), null, null),
            new ClinicalType<>(SupplyDelivery.class, SupplyDelivery::getPatient, r -> List.of(r.getType()), null, SupplyDelivery::getOccurrence),
            new ClinicalType<>(DocumentReference.class, DocumentReference::getSubject, r -> List.of(r.getType()), DocumentReference::getCategory,
                    DocumentReference::getDateElement)
    ).collect(Collectors.toUnmodifiableMap(ClinicalType::type, Function.identity()));

    @SuppressWarnings("unchecked") // the map is keyed by each definition's own type
    static <T extends Resource> Optional<ClinicalType<T>> of(Class<T> type) {
        return Optional.ofNullable((ClinicalType<T>) BY_TYPE.get(type));
    }

    private static List<CodeableConcept> medication(Type medication) {
        return medication instanceof CodeableConcept concept ? List.of(concept) : List.of();
    }

    private static List<CodeableConcept> allergyCategories(AllergyIntolerance allergy) {
        return allergy.getCategory().stream()
                .filter(c -> c.getValue() != null)
                .map(c -> new CodeableConcept(new Coding(c.getValue().getSystem(), c.getValue().toCode(), null)))
                .toList();
    }
}
