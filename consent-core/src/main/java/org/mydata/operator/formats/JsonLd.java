package org.mydata.operator.formats;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON-LD context all standard records share and small builders for their nodes. Records are plain maps, so
 * the one JSON mapper of each interface writes them, in the order they are built.
 */
final class JsonLd {
    /** Our own vocabulary for what DPV has no term for (the signed record, a paused consent). */
    static final String OWN_VOCABULARY = "urn:mydata-operator:vocab#";

    private JsonLd() {
    }

    /**
     * The prefixes the DPV 27560 guide uses (its section 3) and ours. Properties whose values are DPV concepts
     * are coerced to IRIs, so the guide's compact strings ({@code "dpv:hasPurpose": "dpv:ScientificResearch"})
     * read as concepts, not as text.
     */
    static Map<String, Object> context() {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("dpv", "https://w3id.org/dpv#");
        context.put("pd", "https://w3id.org/dpv/pd#");
        context.put("loc", "https://w3id.org/dpv/loc#");
        context.put("legal-eu", "https://w3id.org/dpv/legal/eu#");
        context.put("eu-gdpr", "https://w3id.org/dpv/legal/eu/gdpr#");
        context.put("eu-dga", "https://w3id.org/dpv/legal/eu/dga#");
        context.put("dpv-health", "https://w3id.org/dpv/sector/health#");
        context.put("dct", "http://purl.org/dc/terms/");
        context.put("skos", "http://www.w3.org/2004/02/skos/core#");
        context.put("schema", "https://schema.org/");
        context.put("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#");
        context.put("xsd", "http://www.w3.org/2001/XMLSchema#");
        context.put("mydata", OWN_VOCABULARY);
        for (String property : List.of("dct:conformsTo", "dct:publisher", "dct:source", "skos:broader",
                "dpv:hasPurpose", "dpv:hasLegalBasis", "dpv:hasJurisdiction", "dpv:hasApplicableLaw",
                "dpv:hasLocation", "dpv:hasProcessing", "dpv:hasDataController", "dpv:hasIdentifier",
                "dpv:isIndicatedBy", "dpv:isExercisedAt", "schema:recipient", "schema:url", "mydata:verifyWith")) {
            context.put(property, Map.of("@type", "@id"));
        }
        for (String property : List.of("dct:created", "dct:date", "dpv:isIndicatedAtTime")) {
            context.put(property, Map.of("@type", "xsd:dateTime"));
        }
        return context;
    }

    static Map<String, Object> node(Object... keysAndValues) {
        Map<String, Object> node = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (keysAndValues[i + 1] != null) {
                node.put((String) keysAndValues[i], keysAndValues[i + 1]);
            }
        }
        return node;
    }

    /** ISO 8601 UTC, whole seconds, as ISO/IEC TS 27560 asks of event times. */
    static String time(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The signed record that makes a statement verifiable, and where the keys are. */
    static Map<String, Object> signed(ChoiceRecord.Signed signed, Issuer issuer) {
        return node("@type", "mydata:SignedRecord",
                "mydata:mediaType", "application/jose",
                "mydata:jws", signed.jws(),
                "mydata:logIndex", signed.logIndex(),
                "mydata:verifyWith", issuer.jwks());
    }
}
