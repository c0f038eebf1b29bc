package org.mydata.operator.api.demo;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
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
    public static final String DEMO_STEWARD = "steward-demo";

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
    DemoIdentities demoIdentities(ObjectProvider<DemoFhirSource> source) {
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
                new DemoIdentities.Client("auditor-demo", "auditor-demo-secret", "auditor")));
    }
}
