package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;

/**
 * What every brokered type shares: the permit check on the type, turning HAPI's parameters into
 * {@link SearchCriteria}, and read as a search by pseudonymised id (pseudonyms cannot be reversed).
 */
abstract class BrokeredTypeProvider implements IResourceProvider {
    private final Class<? extends Resource> type;
    private final Broker broker;
    private final FhirContext fhirContext;
    private final Clock clock;

    BrokeredTypeProvider(Class<? extends Resource> type, Broker broker, FhirContext fhirContext, Clock clock) {
        this.type = type;
        this.broker = broker;
        this.fhirContext = fhirContext;
        this.clock = clock;
    }

    @Override
    public Class<? extends IBaseResource> getResourceType() {
        return type;
    }

    protected String typeName() {
        return fhirContext.getResourceType(type);
    }

    protected IBundleProvider search(SearchCriteria criteria) {
        GatewayContext.Current current = permitted();
        List<Released> results = broker.search(current.permit(), typeName(), criteria);
        return new ReleasingBundleProvider(broker, current.permit().permit().id(), typeName(), results,
                Date.from(clock.instant()));
    }

    protected Resource read(IdType id) {
        GatewayContext.Current current = permitted();
        List<Released> found = broker.search(current.permit(), typeName(),
                new SearchCriteria(Set.of(id.getIdPart()), null, Map.of(), null));
        if (found.isEmpty()) {
            throw new ResourceNotFoundException(id.toUnqualifiedVersionless());
        }
        List<Released> released = broker.recordRelease(current.permit(), current.caller(), typeName(), "read",
                found.subList(0, 1));
        if (released.isEmpty()) {
            throw new ResourceNotFoundException(id.toUnqualifiedVersionless());
        }
        return released.get(0).resource();
    }

    private GatewayContext.Current permitted() {
        GatewayContext.Current current = GatewayContext.get()
                .orElseThrow(() -> new ResourceNotFoundException("No FHIR base at this address."));
        if (!current.permit().permit().scope().resourceTypes().contains(typeName())) {
            throw new InvalidRequestException("This permit does not cover " + typeName() + " resources.");
        }
        return current;
    }

    static Set<String> ids(TokenAndListParam ids) {
        if (ids == null) {
            return null;
        }
        Set<String> result = null;
        for (TokenOrListParam or : ids.getValuesAsQueryTokens()) {
            Set<String> alternatives = or.getValuesAsQueryTokens().stream().map(TokenParam::getValue)
                    .collect(Collectors.toSet());
            result = intersect(result, alternatives);
        }
        return result;
    }

    static Set<String> patients(ReferenceAndListParam... params) {
        Set<String> result = null;
        for (ReferenceAndListParam param : params) {
            if (param == null) {
                continue;
            }
            for (ReferenceOrListParam or : param.getValuesAsQueryTokens()) {
                Set<String> alternatives = new HashSet<>();
                for (ReferenceParam ref : or.getValuesAsQueryTokens()) {
                    if (ref.getResourceType() != null && !ref.getResourceType().equals("Patient")) {
                        throw new InvalidRequestException("patient and subject take Patient references only.");
                    }
                    alternatives.add(ref.getIdPart());
                }
                result = intersect(result, alternatives);
            }
        }
        return result;
    }

    /** Token parameters as the source will read them, one query value per AND clause. */
    Map<String, List<String>> passThrough(Map<String, TokenAndListParam> tokens) {
        Map<String, List<String>> result = new LinkedHashMap<>();
        tokens.forEach((name, param) -> {
            if (param == null) {
                return;
            }
            List<String> values = new ArrayList<>();
            for (TokenOrListParam or : param.getValuesAsQueryTokens()) {
                values.add(or.getValuesAsQueryTokens().stream()
                        .map(t -> t.getValueAsQueryToken(fhirContext)).collect(Collectors.joining(",")));
            }
            result.put(name, values);
        });
        return result;
    }

    static DateRangeParam nonEmpty(DateRangeParam range) {
        return range == null || range.isEmpty() ? null : range;
    }

    private static Set<String> intersect(Set<String> current, Set<String> next) {
        if (current == null) {
            return new HashSet<>(next);
        }
        current.retainAll(next);
        return current;
    }
}
