package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.util.FhirTerser;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Enumeration;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Property;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.gateway.registry.BrokeredType;
import org.mydata.operator.gateway.search.DateMatch;
import org.mydata.operator.gateway.search.Interval;

/**
 * FHIR's search semantics applied by the gateway to what it releases: the resource as the researcher receives
 * it, pseudonymous ids and shifted dates included. One OR list of values matches if any value does.
 */
final class ReleasedMatch {
    private static final FhirTerser TERSER = FhirContext.forR4Cached().newTerser();

    private ReleasedMatch() {
    }

    static boolean date(BrokeredType type, Resource resource, List<DateParam> anyOf) {
        Interval value = Interval.of(type.clinicalDate().apply(resource));
        return anyOf.stream().anyMatch(d -> DateMatch.matches(value, d));
    }

    static boolean token(SearchSupport.Parameter parameter, Resource resource, List<TokenParam> anyOf) {
        for (String path : parameter.paths()) {
            for (IBase value : values(resource, path)) {
                for (TokenParam token : anyOf) {
                    if (token(value, token)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    static boolean reference(SearchSupport.Parameter parameter, Resource resource, List<String> anyOf) {
        for (String path : parameter.paths()) {
            for (IBase value : values(resource, path)) {
                if (value instanceof Reference reference && reference.hasReference()) {
                    String released = reference.getReference();
                    String id = released.substring(released.indexOf('/') + 1);
                    if (anyOf.stream().anyMatch(wanted -> wanted.equals(released) || wanted.equals(id))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * The values at a path. A cast of a choice element ({@code Observation.value as CodeableConcept}) is asked by
     * the choice's typed name ({@code Observation.valueCodeableConcept}), which HAPI's terser answers with the
     * values of that type only; the untyped name it does not know.
     */
    private static List<IBase> values(Resource resource, String path) {
        int as = path.indexOf(" as ");
        int dot = path.indexOf('.');
        if (as < 0 && dot > 0 && path.indexOf('.', dot + 1) < 0 && path.startsWith(resource.fhirType() + ".")) {
            // A child of the resource itself (Observation.code): the model's own accessor, not the terser's
            // reflection, which showed on the release path's profile once for every resource a search matched.
            Property property = resource.getNamedProperty(path.substring(dot + 1));
            if (property != null) {
                return List.copyOf(property.getValues());
            }
        }
        return TERSER.getValues(resource, as < 0 ? path : path.substring(0, as) + path.substring(as + 4));
    }

    private static boolean token(IBase value, TokenParam token) {
        if (value instanceof CodeableConcept concept) {
            return concept.getCoding().stream().anyMatch(c -> token(c, token));
        }
        if (value instanceof Coding coding) {
            return systemAndCode(token, coding.getSystem(), coding.getCode());
        }
        if (value instanceof Identifier identifier) {
            return systemAndCode(token, identifier.getSystem(), identifier.getValue());
        }
        if (value instanceof Enumeration<?> enumeration) {
            return systemAndCode(token, enumeration.getSystem(), enumeration.getCode());
        }
        if (value instanceof CodeType code) {
            return systemAndCode(token, code.getSystem(), code.getValue());
        }
        if (value instanceof PrimitiveType<?> primitive) {
            return systemAndCode(token, null, primitive.getValueAsString());
        }
        return false;
    }

    /** {@code code} in any system, {@code system|code}, {@code |code} without a system, {@code system|} any code. */
    private static boolean systemAndCode(TokenParam token, String system, String code) {
        String wantedSystem = token.getSystem();
        String wantedCode = token.getValue();
        boolean codeMatches = wantedCode == null || wantedCode.isEmpty() || wantedCode.equals(code);
        if (wantedSystem == null) {
            return code != null && codeMatches;
        }
        if (wantedSystem.isEmpty()) {
            return system == null && codeMatches;
        }
        return wantedSystem.equals(system) && codeMatches;
    }
}
