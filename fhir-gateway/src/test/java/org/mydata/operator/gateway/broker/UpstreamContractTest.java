package org.mydata.operator.gateway.broker;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mydata.operator.gateway.GatewaySettings;
import org.mydata.operator.gateway.registry.BrokeredType;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.gateway.source.SourceClients;
import org.mydata.operator.gateway.source.SourceReader;
import org.mydata.operator.gateway.source.UpstreamReads;
import org.mydata.operator.gateway.testing.EmbeddedJetty;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceAuth;

/**
 * The contract with sources: whatever a researcher asks, every parameter the gateway sends upstream is one R4
 * defines for that type. Checked against a HAPI server that, like a strict FHIR server, answers 400 to any
 * parameter R4 does not define for the type searched (the demo source accepts {@code code} on every type, which
 * once hid that Encounter and Immunization have none). Every parameter the gateway answers is asked once, with
 * and without {@code :not}, and its upstream read must succeed.
 */
class UpstreamContractTest {
    private static final FhirContext R4 = FhirContext.forR4Cached();
    private static final List<String> RECEIVED = new CopyOnWriteArrayList<>();
    private static EmbeddedJetty strictSource;

    @BeforeAll
    static void start() {
        RestfulServer server = new RestfulServer(R4);
        List<IResourceProvider> providers = new ArrayList<>();
        BrokeredTypes.all().forEach(type -> providers.add(new EmptyProvider(type.resourceClass())));
        server.setResourceProviders(providers);
        server.registerInterceptor(new OnlyR4Parameters());
        strictSource = EmbeddedJetty.serve(server);
    }

    @AfterAll
    static void stop() throws Exception {
        strictSource.close();
    }

    @Test
    void everyParameterSentUpstreamIsOneR4DefinesForTheType() {
        GatewaySettings settings = GatewaySettings.defaults();
        FhirSource source = new FhirSource(UUID.randomUUID(), "strict", URI.create(strictSource.baseUrl()),
                new SourceAuth.None(), Instant.now());
        int reads = 0;
        try (SourceClients clients = new SourceClients(R4, settings, Clock.systemUTC());
             UpstreamReads upstream = new UpstreamReads(clients)) {
            SourceReader reader = new SourceReader(clients);
            for (BrokeredType type : BrokeredTypes.all()) {
                for (SearchSupport.Parameter parameter : SearchSupport.of(type)) {
                    for (String modifier : parameter.modifiers()) {
                        String key = modifier.isEmpty() ? parameter.name() : parameter.name() + ":" + modifier;
                        SearchParser.Parsed parsed = SearchParser.parse(type,
                                Map.of(key, new String[] {value(parameter)}), 500);
                        assertThat(parsed.issues()).as(type.name() + "?" + key).isEmpty();
                        Map<String, List<String>> passThrough = type.isPatient() ? Map.of()
                                : parsed.criteria().passThrough();
                        upstream.submit(source, settings.deadline(), call -> {
                            reader.read(call, type.name(), type.upstreamPatientParameter(), List.of("p1", "p2"),
                                    passThrough, page -> { });
                            return null;
                        }).get();
                        reads++;
                    }
                }
            }
        } catch (Exception e) {
            throw new AssertionError("a read of the strict source failed: " + e.getMessage(), e);
        }
        assertThat(reads).isGreaterThan(BrokeredTypes.all().size() * 3);
        assertThat(RECEIVED).contains("Observation?code", "Observation?category", "Condition?code")
                .doesNotContain("Encounter?code", "Immunization?code", "Encounter?category", "Immunization?category");
    }

    @Test
    void theStrictSourceRefusesWhatR4DoesNotDefine() {
        assertThat(new OnlyR4Parameters().unknown("Encounter", Set.of("patient", "code", "_count"))).containsExactly("code");
        assertThat(new OnlyR4Parameters().unknown("Immunization", Set.of("patient", "vaccine-code"))).isEmpty();
    }

    private static String value(SearchSupport.Parameter parameter) {
        return switch (parameter.kind()) {
            case DATE -> "ge2020-01-01";
            case TOKEN -> "http://example.org|x";
            case REFERENCE, PATIENT, ID -> "abc";
        };
    }

    /** A type's search that takes any parameter and finds nothing: the interceptor has judged the parameters. */
    public static final class EmptyProvider implements IResourceProvider {
        private final Class<? extends IBaseResource> type;

        EmptyProvider(Class<? extends IBaseResource> type) {
            this.type = type;
        }

        @Override
        public Class<? extends IBaseResource> getResourceType() {
            return type;
        }

        @Search(allowUnknownParams = true)
        public List<IBaseResource> search() {
            return List.of();
        }
    }

    /** 400 for any search parameter that R4 does not define for the type (besides the result parameters). */
    public static final class OnlyR4Parameters {
        private static final Set<String> RESULT = Set.of("_count", "_format", "_pretty", "_summary", "_elements",
                "_sort", "_include", "_revinclude", "_total", "_contained", "_containedType");

        @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
        public boolean check(RequestDetails details) {
            if (details.getRestOperationType() != RestOperationTypeEnum.SEARCH_TYPE) {
                return true;
            }
            Map<String, String[]> parameters = new LinkedHashMap<>(details.getParameters());
            parameters.keySet().forEach(key -> RECEIVED.add(details.getResourceName() + "?" + key));
            List<String> unknown = unknown(details.getResourceName(), parameters.keySet());
            if (!unknown.isEmpty()) {
                throw new InvalidRequestException("Unknown search parameter " + unknown + " for "
                        + details.getResourceName());
            }
            return true;
        }

        List<String> unknown(String type, Set<String> keys) {
            Set<String> defined = R4.getResourceDefinition(type).getSearchParams().stream()
                    .map(RuntimeSearchParam::getName).collect(Collectors.toSet());
            return keys.stream().map(k -> k.contains(":") ? k.substring(0, k.indexOf(':')) : k)
                    .filter(name -> !defined.contains(name) && !RESULT.contains(name)).toList();
        }
    }
}
