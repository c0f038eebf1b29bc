package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.ResourceMetadataKeyEnum;
import ca.uhn.fhir.model.valueset.BundleEntrySearchModeEnum;
import ca.uhn.fhir.util.FhirTerser;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.gateway.SourceReference;
import org.mydata.operator.gateway.registry.BrokeredType;
import org.mydata.operator.gateway.registry.BrokeredTypes;

/**
 * {@code _include} between released types: the resources a page's released resources refer to, found by a
 * search of their type among the page's persons (so the release policy decides them as any search's), each
 * release recorded in its own access event, and marked {@code search.mode = include}.
 */
final class Included {
    private static final FhirTerser TERSER = FhirContext.forR4Cached().newTerser();

    private Included() {
    }

    static List<IBaseResource> of(Broker broker, GatewayContext.Current current, List<SearchParser.Include> includes,
                                  List<Resource> page) {
        Map<String, Set<String>> idsByType = new LinkedHashMap<>();
        Set<String> persons = new HashSet<>();
        for (Resource resource : page) {
            BrokeredType type = BrokeredTypes.of(resource).orElseThrow();
            if (type.isPatient()) {
                persons.add(resource.getIdElement().getIdPart());
            } else {
                target(type.subject().apply(resource), List.of("Patient")).ifPresent(t -> persons.add(t.id()));
            }
            for (SearchParser.Include include : includes) {
                List<Reference> references = new ArrayList<>();
                if (include.parameter().kind() == SearchSupport.Kind.PATIENT) {
                    references.add(type.subject().apply(resource));
                } else {
                    for (String path : include.parameter().paths()) {
                        for (IBase value : TERSER.getValues(resource, path)) {
                            if (value instanceof Reference reference) {
                                references.add(reference);
                            }
                        }
                    }
                }
                references.forEach(reference -> target(reference, include.targets()).ifPresent(t ->
                        idsByType.computeIfAbsent(t.type(), k -> new HashSet<>()).add(t.id())));
            }
        }
        List<IBaseResource> included = new ArrayList<>();
        idsByType.forEach((type, ids) -> {
            SearchCriteria criteria = new SearchCriteria(ids, type.equals("Patient") ? ids : persons, Map.of());
            List<Released> found = broker.search(current.permit(), type, criteria);
            for (Released released : broker.recordRelease(current.permit(), current.caller(), type, "search-include",
                    found)) {
                ResourceMetadataKeyEnum.ENTRY_SEARCH_MODE.put(released.resource(), BundleEntrySearchModeEnum.INCLUDE);
                included.add(released.resource());
            }
        });
        return included;
    }

    /** The type and id a released reference points to, if it is one of the target types. */
    private static Optional<SourceReference> target(Reference reference, List<String> targets) {
        if (reference == null || !reference.hasReference()) {
            return Optional.empty();
        }
        return SourceReference.parse(reference.getReference(), null)
                .filter(target -> !target.versioned() && targets.contains(target.type()));
    }
}
