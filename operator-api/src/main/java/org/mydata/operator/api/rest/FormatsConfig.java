package org.mydata.operator.api.rest;

import java.time.Clock;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.consent.ErasureRequests;
import org.mydata.operator.gateway.PublicBaseUrl;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.optout.OptOuts;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.signing.PublicKeys;
import org.mydata.operator.source.SourceRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The standard record formats (ISO/IEC TS 27560, DGA altruism form, FHIR) and the personal export. */
@Configuration(proxyBeanMethods = false)
public class FormatsConfig {
    @Bean
    ConsentFormats consentFormats(ProgrammeRegistry programmes, ServiceLinks links, SourceRegistry sources,
                                  PublicBaseUrl publicBase, Clock clock) {
        return new ConsentFormats(programmes, links, sources, publicBase, clock);
    }

    /** The personal export, for the API and the citizen pages. */
    @Bean
    PersonExports personExports(ServiceLinks links, Consents consents, PublicKeys keys, Clock clock,
                                ProgrammeRegistry programmes, SourceRegistry sources, AccessLog accessLog,
                                ErasureRequests erasureRequests, ConsentFormats formats, OptOuts optOuts) {
        return new PersonExports(links, consents, keys, clock, programmes, sources, accessLog, erasureRequests,
                formats, optOuts);
    }
}
