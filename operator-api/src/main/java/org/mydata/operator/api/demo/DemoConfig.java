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
import java.util.List;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.api.security.DemoIdentities;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.demo.DemoPerson;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
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

    /** Demo citizens alice, bob and carol are the first three persons of the demo dataset. */
    @Bean
    @ConditionalOnBooleanProperty(name = "operator.embedded.authorization-server", matchIfMissing = true)
    DemoIdentities demoIdentities(ObjectProvider<DemoFhirSource> source, OperatorProperties properties) {
        DemoFhirSource loaded = source.getIfAvailable();
        List<DemoPerson> persons = loaded != null ? loaded.persons(3) : DemoFhirSource.demoPersons(3);
        List<String> names = List.of("alice", "bob", "carol");
        List<DemoIdentities.Citizen> citizens = new java.util.ArrayList<>();
        for (int i = 0; i < Math.min(names.size(), persons.size()); i++) {
            citizens.add(new DemoIdentities.Citizen(names.get(i), names.get(i) + "-demo-password",
                    persons.get(i).identifier().asToken()));
        }
        return new DemoIdentities(citizens, List.of(
                new DemoIdentities.Client("admin-demo", "admin-demo-secret", "admin"),
                new DemoIdentities.Client(DEMO_STEWARD, "steward-demo-secret", "steward"),
                new DemoIdentities.Client("researcher-demo", "researcher-demo-secret", "researcher"),
                new DemoIdentities.Client("auditor-demo", "auditor-demo-secret", "auditor")),
                List.of(bulkResearcher(properties.dataDir().resolve("keys").resolve(BULK_RESEARCHER + ".jwk.json"))));
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
