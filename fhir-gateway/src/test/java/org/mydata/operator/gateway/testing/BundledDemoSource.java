package org.mydata.operator.gateway.testing;

import ca.uhn.fhir.context.FhirContext;
import org.mydata.operator.gateway.demo.DemoFhirSource;

/**
 * The bundled demo dataset served once per test JVM: loading it takes seconds, and a servlet instance
 * can be started only once. Jetty stops with the JVM.
 */
public final class BundledDemoSource {

    public static final FhirContext FHIR = FhirContext.forR4Cached();

    private static DemoFhirSource source;
    private static EmbeddedJetty server;

    private BundledDemoSource() {
    }

    public static synchronized DemoFhirSource source() {
        if (source == null) {
            source = DemoFhirSource.fromClasspath(FHIR);
        }
        return source;
    }

    public static synchronized String baseUrl() {
        if (server == null) {
            server = EmbeddedJetty.serve(source());
        }
        return server.baseUrl();
    }
}
