package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.annotation.Metadata;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import ca.uhn.fhir.rest.server.provider.ServerCapabilityStatementProvider;
import ca.uhn.fhir.rest.server.tenant.UrlBaseTenantIdentificationStrategy;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.gateway.GatewaySettings;
import org.mydata.operator.gateway.registry.BrokeredType;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The researchers' FHIR server. Each permit is its own base, {@code /fhir/{permitId}}, so any FHIR
 * client works unchanged; errors are {@code OperationOutcome}s that say what was wrong and nothing more.
 */
public final class GatewayServer extends RestfulServer {
    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

    /**
     * @param bulkExport the bulk export operations, registered as the server's own; null for a gateway without
     *     export
     * @param smart SMART discovery and {@code rest.security}; null for none
     */
    public GatewayServer(FhirContext fhirContext, Broker broker, PermitGuard guard, Clock clock,
                         BulkExportOperations bulkExport, SmartConfiguration smart) {
        // A context of the server's own, whose Bundles skip HAPI's reflective walk of every entry (ReleasedBundleFactory).
        super(ReleasedBundleFactory.contextFor(fhirContext));
        setTenantIdentificationStrategy(new UrlBaseTenantIdentificationStrategy());
        setDefaultResponseEncoding(EncodingEnum.JSON);
        GatewaySettings settings = broker.settings();
        setPagingProvider(new BoundedPagingProvider(settings.rememberedResources(), settings.rememberedFor(), clock)
                .setDefaultPageSize(settings.defaultPageSize()).setMaximumPageSize(settings.maxPageSize()));
        // Every type's search parameters, from R4's definitions and the profiles: a registry entry R4 contradicts
        // stops the start rather than the first search.
        SearchSupport.check();
        List<ca.uhn.fhir.rest.server.IResourceProvider> providers = new ArrayList<>();
        for (BrokeredType type : BrokeredTypes.all()) {
            providers.add(new ClinicalTypeProvider(type, broker, clock));
        }
        setResourceProviders(providers);
        setServerConformanceProvider(new PerPermitCapabilityStatement(this));
        if (smart != null) {
            registerInterceptor(smart);
        }
        registerInterceptor(guard);
        registerInterceptor(new StrictSearch(settings.maxPageSize()));
        registerInterceptor(new OutcomeOnly());
        if (bulkExport != null) {
            registerProvider(bulkExport);
            registerInterceptor(new ExportCapability());
            registerInterceptor(new BulkExportOperations.BrokenOffDownloads());
        }
        setCompressResponses(false);
        setServerName("MyData Consent Operator FHIR gateway");
        setImplementationDescription("Consent-enforcing, pseudonymising FHIR R4 gateway; one base per data permit");
    }

    /** Every request's answer through a writer that does not send a chunk at each of Jackson's flushes. */
    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        CoalescedWrites coalesced = new CoalescedWrites(response);
        try {
            super.service(request, coalesced);
        } finally {
            coalesced.finish();
        }
    }

    /**
     * Whether answers are gzipped for clients that accept gzip (HAPI's own behaviour); off by default. Off, the
     * gateway answers uncompressed whatever the client accepts: gzip at HAPI's level cost 3% of the gateway's CPU
     * on the search benchmark, for bytes that travel over loopback or a LAN faster than they compress, and a
     * TLS-terminating proxy in front compresses once, at the edge, at the level it is set to (docs/operating.md).
     */
    public void setCompressResponses(boolean compress) {
        unregisterInterceptor(NO_GZIP);
        if (!compress) {
            registerInterceptor(NO_GZIP);
        }
    }

    /** Turns HAPI's gzip off for a request once HAPI has read the client's Accept-Encoding. */
    public static final class Uncompressed {
        @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLER_SELECTED)
        public void uncompressed(RequestDetails details) {
            if (details instanceof ServletRequestDetails servlet) {
                servlet.setRespondGzip(false);
            }
        }
    }

    private static final Uncompressed NO_GZIP = new Uncompressed();

    /**
     * HAPI's CapabilityStatement, made afresh for every request. HAPI keeps the statement it made for a
     * minute by default and serves it to every caller, but each permit's lists only that permit's types
     * (the hooks in {@link OutcomeOnly} shape it when it is made), so none may be kept.
     */
    public static final class PerPermitCapabilityStatement extends ServerCapabilityStatementProvider {
        PerPermitCapabilityStatement(RestfulServer server) {
            super(server);
        }

        @Override
        @Metadata(cacheMillis = 0)
        public IBaseConformance getServerConformance(HttpServletRequest request, RequestDetails details) {
            return super.getServerConformance(request, details);
        }
    }

    /**
     * The CapabilityStatement says that the base offers bulk export, as the Bulk Data IG asks: HAPI lists the
     * kick-offs from their annotations; this adds the IG, the permit's one Group (which the per-permit type list
     * leaves out) and drops the status and file URLs, which a client only ever follows from a response.
     */
    public static final class ExportCapability {
        @Hook(value = Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED, order = 100)
        public void bulkExport(IBaseConformance conformance) {
            if (conformance instanceof CapabilityStatement statement) {
                statement.addInstantiates(BulkExportOperations.IG + "/CapabilityStatement/bulk-data");
                statement.getRest().forEach(rest -> {
                    rest.getOperation().removeIf(op -> op.getName().startsWith("export-"));
                    if (rest.getResource().stream().noneMatch(r -> r.getType().equals("Group"))) {
                        rest.addResource().setType("Group").addOperation().setName("export")
                                .setDefinition(BulkExportOperations.IG + "/OperationDefinition/group-export");
                    }
                });
            }
        }
    }

    /** Interceptors that shape what leaves the gateway. */
    public static final class OutcomeOnly {
        /**
         * Known failures keep their message (it was written to be read); anything else becomes a bare 500
         * with an incident id, so no internal detail, query or identifier leaks into a response.
         */
        @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
        public BaseServerResponseException shape(RequestDetails details, Throwable failure) {
            Throwable cause = failure;
            while (cause.getCause() != null && !(cause instanceof SourceUnavailableException)
                    && !(cause instanceof StoreException)
                    && !(cause instanceof BaseServerResponseException && cause != failure)) {
                cause = cause.getCause();
            }
            if (cause instanceof SourceUnavailableException source) {
                return new UnclassifiedServerFailureException(source.timedOut() ? 504 : 502,
                        source.getMessage() + " Nothing was released.");
            }
            if (cause instanceof StoreException store && store.isTransient()) {
                // The database is away: say so at once. Nothing leaves before its access is on record, so an
                // access whose recording broke off released nothing either way.
                log.warn("gateway request answered 503: database {}", store.kind());
                UnclassifiedServerFailureException unavailable = new UnclassifiedServerFailureException(503,
                        "The operator cannot reach its database just now; nothing was released. Try again in a few "
                                + "seconds.");
                unavailable.addResponseHeader("Retry-After", String.valueOf(store.retryAfter().toSeconds()));
                return unavailable;
            }
            if (failure instanceof BaseServerResponseException known && known.getStatusCode() < 500) {
                if (known.getOperationOutcome() == null) {
                    // HAPI's own outcome says "processing" for everything; a missing resource is "not-found".
                    OperationOutcome outcome = new OperationOutcome();
                    outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
                            .setCode(switch (known.getStatusCode()) {
                                case 404, 410 -> OperationOutcome.IssueType.NOTFOUND;
                                case 403 -> OperationOutcome.IssueType.FORBIDDEN;
                                default -> OperationOutcome.IssueType.PROCESSING;
                            }).setDiagnostics(known.getMessage());
                    known.setOperationOutcome(outcome);
                }
                return known;
            }
            String incident = UUID.randomUUID().toString();
            log.error("incident {}: gateway failure ({})", incident,
                    cause instanceof StoreException ? "database" : cause.getClass().getName(), failure);
            return new InternalErrorException("The gateway could not complete the request; nothing was released "
                    + "(incident " + incident + ").");
        }

        /**
         * The CapabilityStatement of a permit lists only the types that permit may read, each with exactly the
         * search parameters {@link SearchSupport} says the gateway answers for it (the providers take any
         * parameter and {@link StrictSearch} refuses the rest), and the includes it answers within the permit's types.
         */
        @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
        public void onlyPermittedTypes(IBaseConformance conformance, RequestDetails details) {
            if (!(conformance instanceof CapabilityStatement statement)) {
                return;
            }
            List<String> allowed = GatewayContext.get().map(c -> c.issued().scope().resourceTypes())
                    .orElse(BrokeredTypes.names());
            statement.getRest().forEach(rest -> {
                rest.getSearchParam().clear();
                rest.getResource().removeIf(resource -> !allowed.contains(resource.getType()));
                rest.getResource().forEach(resource -> BrokeredTypes.named(resource.getType()).ifPresent(type -> {
                    resource.getSearchInclude().clear();
                    resource.getSearchRevInclude().clear();
                    resource.getSearchParam().clear();
                    for (SearchSupport.Parameter parameter : SearchSupport.of(type)) {
                        if (parameter.targets().stream().anyMatch(allowed::contains)) {
                            resource.addSearchInclude(type.name() + ":" + parameter.name());
                        }
                        resource.addSearchParam().setName(parameter.name()).setDefinition(parameter.definition())
                                .setType(Enumerations.SearchParamType.fromCode(parameter.type().getCode()))
                                .setDocumentation(documentation(type, parameter));
                    }
                }));
            });
        }

        private static String documentation(BrokeredType type, SearchSupport.Parameter parameter) {
            return switch (parameter.kind()) {
                case ID -> "On the pseudonymised id; :not answered.";
                case PATIENT -> "Patient of this base (id or Patient/id); no chains or modifiers.";
                case DATE -> "On the shifted clinical date; every prefix (eq, ne, lt, gt, le, ge, sa, eb, ap); "
                        + "also in _sort.";
                case TOKEN -> "On the released codes; :not answered" + (type.tokenParameters().contains(parameter.name())
                        ? "; also passed on to the source." : ".");
                case REFERENCE -> "On the pseudonymised reference (id or Type/id); no chains or modifiers.";
            };
        }
    }
}
