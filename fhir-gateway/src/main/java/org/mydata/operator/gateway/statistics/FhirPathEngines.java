package org.mydata.operator.gateway.statistics;

import ca.uhn.fhir.context.FhirContext;
import java.util.Map;
import java.util.WeakHashMap;
import org.hl7.fhir.r4.fhirpath.FHIRPathEngine;
import org.hl7.fhir.r4.hapi.ctx.HapiWorkerContext;

/**
 * HAPI's R4 FHIRPath engine (the one behind {@code FhirContext.newFhirPath()}), set up as that method sets
 * it up, plus the SQL on FHIR view functions. Used directly rather than through {@code IFhirPath} because
 * validation needs the parsed expression tree, which {@code IFhirPath} hides.
 *
 * <p>The worker context reads every R4 type definition once, which takes seconds, so it is built once per
 * FHIR context and shared (its caches are HAPI's thread-safe ones). The engine itself keeps some state in
 * fields, so each thread gets its own, built on the shared worker context.
 */
final class FhirPathEngines {
    private static final Map<FhirContext, FhirPathEngines> BY_CONTEXT = new WeakHashMap<>();

    private final ThreadLocal<FHIRPathEngine> engines;

    private FhirPathEngines(FhirContext fhir) {
        HapiWorkerContext worker = new HapiWorkerContext(fhir, fhir.getValidationSupport());
        ViewFunctions functions = new ViewFunctions();
        this.engines = ThreadLocal.withInitial(() -> {
            FHIRPathEngine engine = new FHIRPathEngine(worker);
            engine.setDoNotEnforceAsCaseSensitive(true);
            engine.setDoNotEnforceAsSingletonRule(true);
            engine.setHostServices(functions);
            return engine;
        });
        engines.get(); // reads the type definitions now, not in the first request
    }

    static FhirPathEngines of(FhirContext fhir) {
        synchronized (BY_CONTEXT) {
            return BY_CONTEXT.computeIfAbsent(fhir, FhirPathEngines::new);
        }
    }

    /** This thread's engine. */
    FHIRPathEngine engine() {
        return engines.get();
    }
}
