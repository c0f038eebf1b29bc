package org.mydata.operator.api.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.OperatorApplication;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.gateway.broker.GatewayServer;
import org.mydata.operator.verify.log.MerkleTree;

/**
 * The module boundaries docs/architecture.md draws, kept: no package cycles in the operator's application or in
 * the FHIR gateway; consent-core's and the verifier's descriptors export exactly the packages the other modules
 * import; and a public class of consent-core is public because a class outside its package uses it. Each
 * module's classes are read from its own output (consent-core's other rules are in consent-core's
 * ArchitectureTest). benchmarks/ is not on this classpath: what it alone needs is named below.
 */
class ArchitectureTest {
    /**
     * Public classes of consent-core that no main class of consent-core, the gateway or the operator uses outside
     * their package, each with who does.
     */
    private static final Map<String, String> PUBLIC_FOR_OTHERS = Map.of(
            "org.mydata.operator.log.LogWriter$Outcome", "what runOnce returns: benchmarks and the log's tests",
            "org.mydata.operator.log.LogWriter$Integrated", "a sealed Outcome's case: benchmarks and the log's tests",
            "org.mydata.operator.log.LogWriter$UpToDate", "a sealed Outcome's case: benchmarks and the log's tests",
            "org.mydata.operator.log.LogAppender$Figures", "where a batch's time goes: the benchmarks' scenario 1c",
            "org.mydata.operator.optout.OptOutNotice", "SignedTextLanguageTest checks every signed text in one place",
            "org.mydata.operator.statistics.AnswerColumn", "the gateway's statistics tests build answers",
            "org.mydata.operator.statistics.PerturbationTable", "the gateway's statistics tests check the noise",
            "org.mydata.operator.statistics.Protection", "the gateway's statistics tests build answers",
            "org.mydata.operator.statistics.RecordKeys", "the gateway's statistics tests check record keys");

    private static JavaClasses verifier;
    private static JavaClasses core;
    private static JavaClasses gateway;
    private static JavaClasses operator;

    @BeforeAll
    static void importModules() {
        verifier = new ClassFileImporter().importUrl(locationOf(MerkleTree.class));
        core = new ClassFileImporter().importUrl(locationOf(Consents.class));
        gateway = new ClassFileImporter().importUrl(locationOf(GatewayServer.class));
        operator = new ClassFileImporter().importUrl(locationOf(OperatorApplication.class));
    }

    @Test
    void theOperatorApplicationHasNoPackageCycles() {
        slices().matching("org.mydata.operator.api.(**)").should().beFreeOfCycles().check(operator);
    }

    @Test
    void theGatewayHasNoPackageCycles() {
        slices().matching("org.mydata.operator.gateway.(**)").should().beFreeOfCycles().check(gateway);
    }

    @Test
    void consentCoreExportsWhatTheGatewayAndTheOperatorImport() {
        assertThat(exports(Consents.class)).as("consent-core's module-info exports")
                .isEqualTo(packagesUsed(core, gateway, operator));
    }

    @Test
    void theVerifierExportsWhatTheOtherModulesImport() {
        assertThat(exports(MerkleTree.class)).as("operator-verify's module-info exports")
                .isEqualTo(packagesUsed(verifier, core, gateway, operator));
    }

    @Test
    void aPublicClassOfConsentCoreIsUsedOutsideItsPackage() {
        Set<String> unused = new TreeSet<>();
        for (JavaClass type : core) {
            if (!type.getModifiers().contains(JavaModifier.PUBLIC) || type.getPackageName().equals("db.migration")
                    || type.getEnclosingClass().map(JavaClass::isInterface).orElse(false)
                    || PUBLIC_FOR_OTHERS.containsKey(type.getName())) {
                continue;
            }
            if (!usedOutsideItsPackage(type)) {
                unused.add(type.getName());
            }
        }
        assertThat(unused).as("public classes of consent-core that only their own package uses: make them "
                + "package-private, or name who needs them in PUBLIC_FOR_OTHERS").isEmpty();
    }

    /** Whether a class outside its package (in any module imported here) names it or one of its nested types. */
    private static boolean usedOutsideItsPackage(JavaClass type) {
        return allUsers(type).anyMatch(user -> !user.getPackageName().equals(type.getPackageName()));
    }

    private static Stream<JavaClass> allUsers(JavaClass type) {
        Stream<JavaClass> direct = Stream.of(core, gateway, operator).flatMap(JavaClasses::stream)
                .filter(user -> namedBy(user).anyMatch(type.getName()::equals));
        return Stream.concat(direct, core.stream()
                .filter(nested -> nested.getEnclosingClass().map(e -> e.getName().equals(type.getName())).orElse(false))
                .flatMap(ArchitectureTest::allUsers));
    }

    /**
     * The classes a class names: its dependencies, and the parameter and return types of what it calls (a lambda
     * passed as a {@code SqlWork} names that type only in the called method's signature).
     */
    private static Stream<String> namedBy(JavaClass user) {
        Stream<String> dependencies = user.getDirectDependenciesFromSelf().stream()
                .map(d -> d.getTargetClass().getName());
        Stream<String> signatures = user.getCodeUnitCallsFromSelf().stream().map(JavaCall::getTarget)
                .flatMap(target -> Stream.concat(target.getRawParameterTypes().stream(),
                        Stream.of(target.getRawReturnType())))
                .map(JavaClass::getName);
        return Stream.concat(dependencies, signatures);
    }

    /** The packages of {@code module} that classes of the other modules depend on. */
    private static Set<String> packagesUsed(JavaClasses module, JavaClasses... others) {
        Set<String> own = module.stream().map(JavaClass::getPackageName).collect(Collectors.toSet());
        Set<String> used = new TreeSet<>();
        for (JavaClasses classes : others) {
            for (JavaClass user : classes) {
                for (Dependency d : user.getDirectDependenciesFromSelf()) {
                    String target = d.getTargetClass().getPackageName();
                    if (own.contains(target) && module.contain(d.getTargetClass().getName())) {
                        used.add(target);
                    }
                }
            }
        }
        return used;
    }

    /** The packages a module's descriptor exports, read from the directory or jar its classes come from. */
    private static Set<String> exports(Class<?> member) {
        ModuleReference module = ModuleFinder.of(pathOf(member)).findAll().iterator().next();
        ModuleDescriptor descriptor = module.descriptor();
        return descriptor.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Path pathOf(Class<?> type) {
        try {
            return Path.of(locationOf(type).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static URL locationOf(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation();
    }
}
