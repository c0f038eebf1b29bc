package org.mydata.operator.api.gateway;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.IServerAddressStrategy;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.gateway.PublicBaseUrl;
import org.mydata.operator.export.ExportJobs;
import org.mydata.operator.gateway.GatewaySettings;
import org.mydata.operator.gateway.broker.Broker;
import org.mydata.operator.gateway.broker.BulkExportOperations;
import org.mydata.operator.gateway.broker.ExportRunner;
import org.mydata.operator.gateway.broker.GatewayServer;
import org.mydata.operator.gateway.broker.PermitGuard;
import org.mydata.operator.gateway.broker.SmartConfiguration;
import org.mydata.operator.gateway.source.SourceClients;
import org.mydata.operator.gateway.source.SourceReader;
import org.mydata.operator.gateway.source.UpstreamReads;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.permit.ReleasePlanStore;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.source.SourceRegistry;
import org.mydata.operator.store.Transactions;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/** Mounts the consent-enforcing FHIR gateway at {@code /fhir/{permitId}}, bulk export included. */
@Configuration(proxyBeanMethods = false)
public class GatewayConfig {
    public static final String PATH = "/fhir";
    /** Under the data directory: where bulk export files are written; a volume all nodes share. */
    public static final String EXPORTS_DIR = "exports";
    /** Scopes a gateway token may carry: the operator's role, or SMART's system scopes for bulk clients. */
    public static final List<String> SCOPES = List.of("researcher", "system/*.read", "system/*.rs");

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
                  UpstreamReads upstreamReads, OperatorProperties properties, Transactions tx) {
        return new Broker(cohorts, sources, reader, accessLog, clock, upstreamReads, properties.gateway().settings(),
                new ReleasePlanStore(tx, properties.gateway() == null ? null : properties.gateway().smallCohortK()));
    }

    @Bean
    ExportJobs exportJobStore(Transactions tx) {
        return new ExportJobs(tx);
    }

    /**
     * Bulk export jobs: state in PostgreSQL, files under {@code <data-dir>/exports}; on each node by default two
     * run at once and eight may wait or run, and finished ones are kept a day (operator.gateway.*; docs/api.md,
     * "Bulk export").
     */
    @Bean(destroyMethod = "close")
    ExportRunner exportRunner(Broker broker, Permits permits, ExportJobs store, FhirContext fhirContext, Clock clock,
                              OperatorProperties properties) {
        GatewaySettings settings = properties.gateway().settings();
        return new ExportRunner(broker, permits, store, fhirContext, clock, properties.dataDir().resolve(EXPORTS_DIR),
                settings.runningExports(), settings.maxExports(), settings.exportRetention(), settings.exportHeartbeat(),
                settings.exportSweep());
    }

    /**
     * SMART discovery's token endpoint: the one configured, else the embedded authorization server's as the
     * client reached this server, else none.
     */
    @Bean
    SmartConfiguration smartConfiguration(OperatorProperties properties,
                                          ObjectProvider<AuthorizationServerSettings> embedded) {
        Function<HttpServletRequest, Optional<SmartConfiguration.Endpoints>> tokenEndpoint;
        AuthorizationServerSettings settings = embedded.getIfAvailable();
        if (properties.identity().tokenEndpoint() != null) {
            SmartConfiguration.Endpoints configured = new SmartConfiguration.Endpoints(
                    properties.identity().tokenEndpoint().toString(),
                    properties.identity().authorizationEndpoint() == null ? null
                            : properties.identity().authorizationEndpoint().toString());
            tokenEndpoint = request -> Optional.of(configured);
        } else if (settings != null) {
            tokenEndpoint = request -> Optional.of(new SmartConfiguration.Endpoints(
                    embeddedEndpoint(settings, request, settings.getTokenEndpoint()),
                    embeddedEndpoint(settings, request, settings.getAuthorizationEndpoint())));
        } else {
            tokenEndpoint = request -> Optional.empty();
        }
        return new SmartConfiguration(tokenEndpoint, SCOPES);
    }

    private static String embeddedEndpoint(AuthorizationServerSettings settings, HttpServletRequest request,
                                           String path) {
        return settings.getIssuer() != null ? settings.getIssuer() + path
                : ServletUriComponentsBuilder.fromContextPath(request).path(path).toUriString();
    }

    @Bean
    ServletRegistrationBean<GatewayServer> fhirGateway(FhirContext fhirContext, Broker broker, Permits permits,
                                                       ExportRunner exportRunner, SmartConfiguration smart,
                                                       Clock clock, PublicBaseUrl publicBase,
                                                       OperatorProperties properties) {
        // Spring Security authenticated the bearer token before the request reached the servlet.
        Function<HttpServletRequest, Optional<String>> callers =
                request -> Optional.ofNullable(request.getUserPrincipal()).map(Principal::getName);
        PermitGuard guard = new PermitGuard(permits, callers, clock);
        BulkExportOperations bulkExport = new BulkExportOperations(fhirContext, exportRunner, broker, clock,
                publicBase);
        GatewayServer server = new GatewayServer(fhirContext, broker, guard, clock, bulkExport, smart);
        server.setCompressResponses(properties.gateway() != null && properties.gateway().compress());
        // HAPI's base URLs (bundle links, fullUrl) on the public origin, never the request's Host; the tenant
        // strategy appends the permit id to it.
        server.setServerAddressStrategy(new IServerAddressStrategy() {
            @Override
            public String determineServerBase(ServletContext context, HttpServletRequest request) {
                return publicBase.url(request.getContextPath() + PATH);
            }
        });
        ServletRegistrationBean<GatewayServer> registration = new ServletRegistrationBean<>(server, PATH + "/*");
        registration.setName("fhirGateway");
        registration.setLoadOnStartup(1);
        return registration;
    }
}
