package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.FifoMemoryPagingProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import ca.uhn.fhir.rest.server.tenant.UrlBaseTenantIdentificationStrategy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Procedure;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The researchers' FHIR server. Each permit is its own base, {@code /fhir/{permitId}}, so any FHIR
 * client works unchanged; errors are {@code OperationOutcome}s that say what was wrong and nothing more.
 */
public final class GatewayServer extends RestfulServer {
    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);
    private static final int REMEMBERED_SEARCHES = 1000;

    public GatewayServer(FhirContext fhirContext, Broker broker, PermitGuard guard, Clock clock) {
        super(fhirContext);
        setTenantIdentificationStrategy(new UrlBaseTenantIdentificationStrategy());
        setDefaultResponseEncoding(EncodingEnum.JSON);
        setPagingProvider(new FifoMemoryPagingProvider(REMEMBERED_SEARCHES).setDefaultPageSize(50).setMaximumPageSize(500));
        List<ca.uhn.fhir.rest.server.IResourceProvider> providers = new ArrayList<>();
        providers.add(new PatientTypeProvider(broker, fhirContext, clock));
        for (Class<? extends org.hl7.fhir.r4.model.Resource> type : List.of(Observation.class, Condition.class,
                MedicationRequest.class, Encounter.class, Procedure.class, Immunization.class, DiagnosticReport.class,
                AllergyIntolerance.class)) {
            providers.add(new ClinicalTypeProvider(type, broker, fhirContext, clock));
        }
        setResourceProviders(providers);
        registerInterceptor(guard);
        registerInterceptor(new OutcomeOnly());
        setServerName("MyData Consent Operator FHIR gateway");
        setImplementationDescription("Consent-enforcing, pseudonymising FHIR R4 gateway; one base per data permit");
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
                    && !(cause instanceof BaseServerResponseException && cause != failure)) {
                cause = cause.getCause();
            }
            if (cause instanceof SourceUnavailableException source) {
                return new UnclassifiedServerFailureException(source.timedOut() ? 504 : 502,
                        source.getMessage() + " Nothing was released.");
            }
            if (failure instanceof BaseServerResponseException known && known.getStatusCode() < 500) {
                return known;
            }
            String incident = UUID.randomUUID().toString();
            log.error("incident {}: gateway failure ({})", incident,
                    cause instanceof StoreException ? "database" : cause.getClass().getName(), failure);
            return new InternalErrorException("The gateway could not complete the request; nothing was released "
                    + "(incident " + incident + ").");
        }

        /** The CapabilityStatement of a permit lists only the types that permit may read. */
        @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
        public void onlyPermittedTypes(IBaseConformance conformance, RequestDetails details) {
            GatewayContext.get().ifPresent(current -> {
                if (conformance instanceof CapabilityStatement statement) {
                    List<String> allowed = current.permit().permit().scope().resourceTypes();
                    statement.getRest().forEach(rest -> rest.getResource()
                            .removeIf(resource -> !allowed.contains(resource.getType())));
                }
            });
        }
    }
}
