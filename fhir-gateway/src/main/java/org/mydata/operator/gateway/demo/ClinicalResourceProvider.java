package org.mydata.operator.gateway.demo;

import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.gateway.search.Interval;

/**
 * Read and search for one patient-compartment type, described by a {@link ClinicalType}: one generic
 * class serves Observation, Condition, Encounter and the rest. {@code patient} and {@code subject}
 * are answered from an index, since that is how the gateway asks.
 */
public class ClinicalResourceProvider<T extends Resource> extends InMemoryResourceProvider<T> {

    private final ClinicalType<T> definition;
    private final Map<String, List<T>> byPatient;

    ClinicalResourceProvider(ClinicalType<T> definition, Collection<T> resources) {
        super(definition.type(), resources);
        this.definition = definition;
        this.byPatient = Map.copyOf(all().stream()
                .filter(r -> "Patient".equals(definition.patient().apply(r).getReferenceElement().getResourceType()))
                .collect(Collectors.groupingBy(r -> definition.patient().apply(r).getReferenceElement().getIdPart(),
                        Collectors.toUnmodifiableList())));
    }

    @Search
    public IBundleProvider search(
            @OptionalParam(name = "patient") ReferenceOrListParam patient,
            @OptionalParam(name = "subject") ReferenceOrListParam subject,
            @OptionalParam(name = "_id") TokenAndListParam ids,
            @OptionalParam(name = "code") TokenAndListParam code,
            @OptionalParam(name = "category") TokenAndListParam category,
            @OptionalParam(name = "date") DateAndListParam date,
            @OptionalParam(name = "_lastUpdated") DateAndListParam lastUpdated) {
        requireSupported(code, "code", definition.code());
        requireSupported(category, "category", definition.category());
        requireSupported(date, "date", definition.date());
        // The index answers patient (or subject) exactly; a second one given is checked per resource.
        Stream<T> candidates = patient != null ? forPatients(patient) : subject != null ? forPatients(subject) : all().stream();
        return page(candidates
                .filter(r -> patient == null || subject == null || anyPatient(r, subject))
                .filter(commonFilters(ids, lastUpdated))
                .filter(r -> SearchMatch.allOfAnyOf(code, t -> SearchMatch.codes(definition.code().apply(r), t)))
                .filter(r -> SearchMatch.allOfAnyOf(category, t -> SearchMatch.codes(definition.category().apply(r), t)))
                .filter(r -> SearchMatch.allOfAnyOf(date, d -> SearchMatch.date(Interval.of(definition.date().apply(r)), d)))
                .toList());
    }

    /** The candidates of the named patients, in id order as the unfiltered search returns them. */
    private Stream<T> forPatients(ReferenceOrListParam patients) {
        for (ReferenceParam p : patients.getValuesAsQueryTokens()) {
            if (p.hasChain()) {
                throw new InvalidRequestException("chained references are not supported by the demo source");
            }
        }
        return patients.getValuesAsQueryTokens().stream()
                .filter(p -> p.getResourceType() == null || "Patient".equals(p.getResourceType()))
                .map(ReferenceParam::getIdPart)
                .distinct()
                .flatMap(id -> byPatient.getOrDefault(id, List.of()).stream())
                .sorted(Comparator.comparing(r -> r.getIdElement().getIdPart()));
    }

    private boolean anyPatient(T resource, ReferenceOrListParam patients) {
        return patients.getValuesAsQueryTokens().stream().anyMatch(p -> SearchMatch.patient(definition.patient().apply(resource), p));
    }

    /** Answering an unsupported parameter with an empty page would read as "the patient has none". */
    private void requireSupported(Object parameter, String name, Function<T, ?> accessor) {
        if (parameter != null && accessor == null) {
            throw new InvalidRequestException("the demo source cannot search " + definition.type().getSimpleName() + " by " + name);
        }
    }
}
