package org.mydata.operator.api.rest;

import java.time.Clock;
import org.mydata.operator.gateway.PublicBaseUrl;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.source.SourceRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The standard record formats (ISO/IEC TS 27560, DGA altruism form, FHIR). */
@Configuration(proxyBeanMethods = false)
public class FormatsConfig {
    @Bean
    ConsentFormats consentFormats(ProgrammeRegistry programmes, ServiceLinks links, SourceRegistry sources,
                                  PublicBaseUrl publicBase, Clock clock) {
        return new ConsentFormats(programmes, links, sources, publicBase, clock);
    }
}
