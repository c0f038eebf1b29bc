package org.mydata.operator.api.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.net.URL;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.OperatorApplication;
import org.mydata.operator.gateway.broker.GatewayServer;

/**
 * No package cycles in the operator's application or in the FHIR gateway, each read from its own module's
 * output (consent-core's and the verifier's rules are in consent-core's ArchitectureTest).
 */
class ArchitectureTest {

    @Test
    void theOperatorApplicationHasNoPackageCycles() {
        slices().matching("org.mydata.operator.api.(**)").should().beFreeOfCycles()
                .check(new ClassFileImporter().importUrl(locationOf(OperatorApplication.class)));
    }

    @Test
    void theGatewayHasNoPackageCycles() {
        slices().matching("org.mydata.operator.gateway.(**)").should().beFreeOfCycles()
                .check(new ClassFileImporter().importUrl(locationOf(GatewayServer.class)));
    }

    private static URL locationOf(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation();
    }
}
