package org.mydata.operator.api.gateway;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.gateway.GatewaySettings;
import org.mydata.operator.gateway.broker.Broker;
import org.mydata.operator.gateway.broker.BulkExport;
import org.mydata.operator.gateway.broker.ExportJobs;
import org.mydata.operator.gateway.broker.GatewayServer;
import org.mydata.operator.gateway.broker.PermitGuard;
import org.mydata.operator.gateway.source.SourceClients;
import org.mydata.operator.gateway.source.SourceReader;
import org.mydata.operator.gateway.source.UpstreamReads;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.source.SourceRegistry;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Mounts the consent-enforcing FHIR gateway at {@code /fhir/{permitId}}, bulk export included. */
@Configuration(proxyBeanMethods = false)
public class GatewayConfig {
    public static final String PATH = "/fhir";
    /** Under the data directory: where bulk export files are written. */
    public static final String EXPORTS_DIR = "exports";

    /**
     * Upstream reads run here, in a bulkhead per source (operator.gateway.source-concurrency and -queue), so
     * that a slow source holds only its own threads and never delays reads of the others.
     */
    @Bean(destroyMethod = "close")
    UpstreamReads upstreamReads(SourceClients sourceClients) {
        return new UpstreamReads(sourceClients);
    }

    @Bean
    SourceReader sourceReader(SourceClients sourceClients) {
        return new SourceReader(sourceClients);
    }

    @Bean
    Broker broker(Cohorts cohorts, SourceRegistry sources, SourceReader reader, AccessLog accessLog, Clock clock,
                  UpstreamReads upstreamReads, OperatorProperties properties) {
        return new Broker(cohorts, sources, reader, accessLog, clock, upstreamReads, properties.gateway().settings());
    }

    /**
     * Bulk export jobs of this node, their files under {@code <data-dir>/exports}: by default two run at once,
     * eight may wait or run, and finished ones are kept a day (operator.gateway.*; docs/api.md, "Bulk export").
     */
    @Bean(destroyMethod = "close")
    ExportJobs exportJobs(Broker broker, Permits permits, FhirContext fhirContext, Clock clock,
                          OperatorProperties properties) {
        GatewaySettings settings = properties.gateway().settings();
        return new ExportJobs(broker, permits, fhirContext, clock, properties.dataDir().resolve(EXPORTS_DIR),
                settings.runningExports(), settings.maxExports(), settings.exportRetention());
    }

    @Bean
    ServletRegistrationBean<GatewayServer> fhirGateway(FhirContext fhirContext, Broker broker, Permits permits,
                                                       ExportJobs exportJobs, Clock clock) {
        // Spring Security authenticated the bearer token before the request reached the servlet.
        Function<HttpServletRequest, Optional<String>> callers =
                request -> Optional.ofNullable(request.getUserPrincipal()).map(Principal::getName);
        PermitGuard guard = new PermitGuard(permits, callers, clock);
        BulkExport bulkExport = new BulkExport(fhirContext, permits, exportJobs, broker, callers, clock);
        ServletRegistrationBean<GatewayServer> registration = new ServletRegistrationBean<>(
                new GatewayServer(fhirContext, broker, guard, clock, bulkExport), PATH + "/*");
        registration.setName("fhirGateway");
        registration.setLoadOnStartup(1);
        return registration;
    }
}
