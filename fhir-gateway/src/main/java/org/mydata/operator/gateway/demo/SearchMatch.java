package org.mydata.operator.gateway.demo;

import ca.uhn.fhir.model.api.IQueryParameterAnd;
import ca.uhn.fhir.model.api.IQueryParameterOr;
import ca.uhn.fhir.model.api.IQueryParameterType;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Collection;
import org.mydata.operator.gateway.search.DateMatch;
import org.mydata.operator.gateway.search.Interval;
import java.util.function.Predicate;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/** FHIR search semantics for the in-memory store, for the parameter kinds it supports. */
final class SearchMatch {

    private SearchMatch() {
    }

    /** A repeated parameter ANDs its occurrences; the comma-separated values of one occurrence are ORed. */
    static <P extends IQueryParameterType> boolean allOfAnyOf(IQueryParameterAnd<? extends IQueryParameterOr<P>> and, Predicate<P> test) {
        return and == null || and.getValuesAsQueryTokens().stream().allMatch(or -> or.getValuesAsQueryTokens().stream().anyMatch(test));
    }

    static boolean id(Resource resource, TokenParam token) {
        return resource.getIdElement().getIdPart().equals(token.getValue());
    }

    static boolean codes(Collection<CodeableConcept> concepts, TokenParam token) {
        requireNoModifier(token);
        return concepts.stream().flatMap(c -> c.getCoding().stream())
                .anyMatch(c -> systemAndCodeMatch(token, c.getSystem(), c.getCode()));
    }

    static boolean identifiers(Collection<Identifier> identifiers, TokenParam token) {
        requireNoModifier(token);
        return identifiers.stream().anyMatch(i -> systemAndCodeMatch(token, i.getSystem(), i.getValue()));
    }

    /** {@code patient=123}, {@code patient=Patient/123}; chains are not supported. */
    static boolean patient(Reference reference, ReferenceParam param) {
        if (param.hasChain()) {
            throw new InvalidRequestException("chained references are not supported by the demo source");
        }
        if (reference == null || !reference.hasReference()) {
            return false;
        }
        var target = reference.getReferenceElement();
        return "Patient".equals(target.getResourceType())
                && (param.getResourceType() == null || "Patient".equals(param.getResourceType()))
                && target.getIdPart().equals(param.getIdPart());
    }

    /** The FHIR R4 prefix semantics, comparing the value's span with the parameter's span. */
    static boolean date(Interval value, DateParam param) {
        return DateMatch.matches(value, param);
    }

    /** {@code code} any system, {@code system|code}, {@code |code} no system, {@code system|} any code of the system. */
    private static boolean systemAndCodeMatch(TokenParam token, String system, String code) {
        String wantedSystem = token.getSystem();
        String wantedCode = token.getValue();
        boolean codeMatches = wantedCode == null || wantedCode.isEmpty() || wantedCode.equals(code);
        if (wantedSystem == null) {
            return codeMatches;
        }
        if (wantedSystem.isEmpty()) {
            return system == null && codeMatches;
        }
        return wantedSystem.equals(system) && codeMatches;
    }

    private static void requireNoModifier(TokenParam token) {
        if (token.getModifier() != null) {
            throw new InvalidRequestException("token modifiers are not supported by the demo source");
        }
    }
}
