package org.mydata.operator.api.rest;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.mydata.operator.api.errors.ErrorDocuments;
import org.springframework.http.ResponseEntity;

/**
 * How the REST API answers with a FHIR resource (a consent, an opt-out, a consent's audit history): pretty-printed
 * JSON as {@code application/fhir+json}, one way for every controller.
 */
final class FhirResponses {
    /** The media type of FHIR JSON, for {@code produces} and {@code Content-Type}. */
    static final String FHIR_JSON = ErrorDocuments.FHIR_JSON;

    private FhirResponses() {
    }

    static String json(FhirContext fhir, IBaseResource resource) {
        return fhir.newJsonParser().setPrettyPrint(true).encodeResourceToString(resource);
    }

    static ResponseEntity<String> ok(FhirContext fhir, IBaseResource resource) {
        return ResponseEntity.ok().header("Content-Type", FHIR_JSON).body(json(fhir, resource));
    }
}
