package org.mydata.operator.api.demo;

import ca.uhn.fhir.context.FhirContext;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.api.security.DemoIdentities;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.demo.DemoPerson;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The embedded default's demo world: a FHIR source of Synthea patients served by this same process,
 * demo people who match some of those patients, and demo service clients. Off with {@code operator.embedded.demo=false}.
 */
@Configuration(proxyBeanMethods = false)
public class DemoConfig {
    public static final String DEMO_SOURCE_PATH = "/demo-source/fhir";
    public static final String DEMO_SOURCE_NAME = "Demo Hospital (Synthea)";
    public static final String DEMO_PROGRAMME_NAME = "Open Health Data Donation";
    /** The second demo programme: secondary use under the European Health Data Space, opt-out. */
    public static final String DEMO_OPT_OUT_PROGRAMME_NAME = "Health Data Space Research";
    public static final String DEMO_STEWARD = "steward-demo";
    /** The demo researcher client that authenticates with private_key_jwt (SMART Backend Services). */
    public static final String BULK_RESEARCHER = "bulk-researcher-demo";

    @Bean
    @ConditionalOnBooleanProperty(name = "operator.embedded.demo", matchIfMissing = true)
    DemoFhirSource demoFhirSource(FhirContext fhirContext) {
        return DemoFhirSource.fromClasspath(fhirContext);
    }

    @Bean
    @ConditionalOnBooleanProperty(name = "operator.embedded.demo", matchIfMissing = true)
    ServletRegistrationBean<DemoFhirSource> demoFhirSourceServlet(DemoFhirSource source) {
        ServletRegistrationBean<DemoFhirSource> registration = new ServletRegistrationBean<>(source,
                DEMO_SOURCE_PATH + "/*");
        registration.setName("demoFhirSource");
        registration.setLoadOnStartup(1);
        return registration;
    }

    /**
     * The demo's child who comes of age minutes after the first start ({@link DemoComingOfAge}); with the
     * demo and the embedded authorization server, unless {@code operator.embedded.demo-coming-of-age} is set empty.
     */
    @Bean
    @ConditionalOnExpression("${operator.embedded.demo:true} and ${operator.embedded.authorization-server:true} "
            + "and '${operator.embedded.demo-coming-of-age:3m}' != ''")
    DemoComingOfAge demoComingOfAge(OperatorProperties properties, Clock clock,
                                    @Value("${operator.embedded.demo-coming-of-age:3m}") Duration after) {
        if (after.isNegative()) {
            throw new IllegalStateException("operator.embedded.demo-coming-of-age must not be negative");
        }
        return DemoComingOfAge.keptIn(properties.dataDir(), after, clock);
    }

    /**
     * Demo citizens alice, bob and carol are the first three persons of the demo dataset; with the demo's coming of
     * age, dave is the third-last (the last two are the amended programme's donors, and tests and benchmarks link
     * the persons after the first three from the front). With {@code operator.embedded.generated-citizens} = N
     * (benchmarks only; 0 by default) N more citizens follow, see {@link #generatedCitizens}.
     */
    @Bean
    @ConditionalOnBooleanProperty(name = "operator.embedded.authorization-server", matchIfMissing = true)
    DemoIdentities demoIdentities(ObjectProvider<DemoFhirSource> source, OperatorProperties properties,
                                  ObjectProvider<DemoComingOfAge> comingOfAge,
                                  @Value("${operator.embedded.generated-citizens:0}") int generated) {
        DemoFhirSource loaded = source.getIfAvailable();
        List<DemoPerson> persons = loaded != null ? loaded.persons(Integer.MAX_VALUE)
                : DemoFhirSource.demoPersons(generated > 0 ? Integer.MAX_VALUE : 3);
        List<String> names = List.of("alice", "bob", "carol");
        List<DemoIdentities.Citizen> citizens = new java.util.ArrayList<>();
        for (int i = 0; i < Math.min(names.size(), persons.size()); i++) {
            citizens.add(new DemoIdentities.Citizen(names.get(i), names.get(i) + "-demo-password",
                    persons.get(i).identifier().asToken()));
        }
        if (comingOfAge.getIfAvailable() != null && persons.size() >= names.size() + 3) {
            citizens.add(new DemoIdentities.Citizen(DemoComingOfAge.CHILD, DemoComingOfAge.CHILD + "-demo-password",
                    persons.get(persons.size() - 3).identifier().asToken()));
        }
        if (generated > 0) {
            citizens.addAll(generatedCitizens(generated, persons, generatedCitizensFile(properties.dataDir())));
        }
        return new DemoIdentities(citizens, List.of(
                new DemoIdentities.Client("admin-demo", "admin-demo-secret", "admin"),
                new DemoIdentities.Client(DEMO_STEWARD, "steward-demo-secret", "steward"),
                new DemoIdentities.Client("researcher-demo", "researcher-demo-secret", "researcher"),
                new DemoIdentities.Client("auditor-demo", "auditor-demo-secret", "auditor")),
                List.of(bulkResearcher(properties.dataDir().resolve("keys").resolve(BULK_RESEARCHER + ".jwk.json"))));
    }

    /**
     * How many of the demo dataset's persons the named demo citizens take at its front (alice, bob, carol) and at its
     * end (dave, and the amended programme's two donors); generated citizens are given none of them.
     */
    static final int NAMED_AT_FRONT = 3;
    static final int NAMED_AT_END = 3;

    /** Where the generated citizens' user names and passwords are kept (owner-only), for the benchmark to read. */
    public static Path generatedCitizensFile(Path dataDir) {
        return dataDir.resolve("keys").resolve("generated-citizens.properties");
    }

    /**
     * Benchmark citizens, so that a load test can sign in as many people with real tokens through the same login
     * and authorization code journey as anyone: {@code bench-citizen-00000} and on, each with a random password
     * (24 bytes from SecureRandom, new at every start) written as {@code username=password} to {@code file}
     * (owner-only, in the data directory beside the keys) and printed nowhere. Person identifiers are the demo
     * dataset's persons in turn, so each can link to a source serving that dataset (a source patient has one live
     * link per source, so the N citizens need N / persons sources), but never a named demo citizen's person
     * ({@link #NAMED_AT_FRONT}, {@link #NAMED_AT_END}): a person's identifier is what guardianships and accounts are
     * found by, and a generated citizen must not become alice or act for dave. Never for a deployment: they are
     * accounts nobody owns; the setting is off (0) by default and only the benchmark passes it.
     */
    static List<DemoIdentities.Citizen> generatedCitizens(int n, List<DemoPerson> all, Path file) {
        List<DemoPerson> persons = all.size() > NAMED_AT_FRONT + NAMED_AT_END
                ? all.subList(NAMED_AT_FRONT, all.size() - NAMED_AT_END) : List.of();
        if (persons.isEmpty()) {
            throw new IllegalStateException("generated citizens need demo persons that no named demo citizen is");
        }
        java.security.SecureRandom random = new java.security.SecureRandom();
        List<DemoIdentities.Citizen> citizens = new java.util.ArrayList<>(n);
        StringBuilder lines = new StringBuilder("# operator.embedded.generated-citizens: benchmark accounts, "
                + "new passwords at every start\n");
        for (int i = 0; i < n; i++) {
            byte[] secret = new byte[24];
            random.nextBytes(secret);
            String username = String.format(java.util.Locale.ROOT, "bench-citizen-%05d", i);
            String password = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
            citizens.add(new DemoIdentities.Citizen(username, password,
                    persons.get(i % persons.size()).identifier().asToken(), true));
            lines.append(username).append('=').append(password).append('\n');
        }
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            try {
                Files.createFile(file,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            }
            Files.writeString(file, lines);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the generated citizens' passwords to " + file, e);
        }
        org.slf4j.LoggerFactory.getLogger(DemoConfig.class).warn("{} generated benchmark citizens "
                + "(operator.embedded.generated-citizens) can sign in; their passwords are in {}. "
                + "Never for a deployment.",
                n, file.toAbsolutePath().normalize());
        return citizens;
    }

    /**
     * The demo bulk client: a researcher that authenticates as SMART Backend Services require, with a JWT signed
     * by its own key (RS384). The key pair is made at first start and kept, so the key file stays usable.
     */
    static DemoIdentities.KeyClient bulkResearcher(Path keyFile) {
        try {
            RSAKey key;
            if (Files.exists(keyFile)) {
                key = RSAKey.parse(Files.readString(keyFile));
            } else {
                key = new RSAKeyGenerator(2048).keyID(BULK_RESEARCHER + "-1").keyUse(KeyUse.SIGNATURE)
                        .algorithm(JWSAlgorithm.RS384).generate();
                Files.createDirectories(keyFile.getParent());
                Files.writeString(keyFile, key.toJSONString());
                try {
                    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException e) {
                    // A file system without POSIX permissions: the data dir's own protection is what there is.
                }
            }
            return new DemoIdentities.KeyClient(BULK_RESEARCHER, new JWKSet(key.toPublicJWK()), keyFile,
                    List.of("researcher", "system/*.read", "system/*.rs"));
        } catch (IOException | ParseException | JOSEException e) {
            throw new IllegalStateException("cannot read or make the demo bulk client's key " + keyFile, e);
        }
    }
}
