package org.mydata.operator.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.net.URL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.verify.log.MerkleTree;

/**
 * The structure docs/architecture.md describes, kept: no package cycles in consent-core or in the verifier,
 * consent-core free of Spring, the release policy free of JDBC, and HAPI only in the formats packages. Each
 * module's classes are read from its own output (consent-core's target/classes, the operator-verify jar), not
 * from the whole classpath, so a rule about one module never judges another.
 */
class ArchitectureTest {
    private static JavaClasses core;
    private static JavaClasses verifier;

    @BeforeAll
    static void importModules() {
        core = new ClassFileImporter().importUrl(locationOf(Consents.class));
        verifier = new ClassFileImporter().importUrl(locationOf(MerkleTree.class));
    }

    /** The directory or jar a class was loaded from: its module's classes and nothing else. */
    private static URL locationOf(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation();
    }

    @Test
    void consentCoreHasNoPackageCycles() {
        slices().matching("org.mydata.operator.(**)").should().beFreeOfCycles().check(core);
    }

    @Test
    void theVerifierHasNoPackageCycles() {
        slices().matching("org.mydata.operator.(**)").should().beFreeOfCycles().check(verifier);
    }

    @Test
    void consentCoreIsPlainJava() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "jakarta.servlet..")
                .because("consent-core is plain Java: no Spring, no HTTP (docs/architecture.md)")
                .check(core);
    }

    @Test
    void theReleasePolicyReadsNoDatabase() {
        noClasses().that().resideInAPackage("org.mydata.operator.release..")
                .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..")
                .because("the release policy decides on values it is given; its callers read the database")
                .check(core);
    }

    @Test
    void hapiOnlyInTheFormats() {
        noClasses().that().resideOutsideOfPackage("org.mydata.operator.formats..")
                .should().dependOnClassesThat().resideInAnyPackage("org.hl7.fhir..", "ca.uhn.fhir..")
                .because("FHIR structures are one output format among others; the domain does not depend on HAPI")
                .check(core);
    }

    @Test
    void theVerifierStandsAlone() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "java.sql..",
                        "javax.sql..", "org.flywaydb..", "org.hl7.fhir..", "ca.uhn.fhir..")
                .orShould().dependOnClassesThat().resideInAnyPackage(
                        "org.mydata.operator.access..", "org.mydata.operator.audit..", "org.mydata.operator.consent..",
                        "org.mydata.operator.log..", "org.mydata.operator.release..", "org.mydata.operator.signing..")
                .because("an auditor runs operator-verify.jar without the server, its database or HAPI")
                .check(verifier);
    }
}
