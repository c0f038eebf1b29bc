package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.gateway.registry.BrokeredType;

/**
 * What every brokered type shares: the permit check on the type, the search as {@link StrictSearch} read it,
 * and read as a search by pseudonymised id (pseudonyms cannot be reversed).
 */
abstract class BrokeredTypeProvider implements IResourceProvider {
    private final BrokeredType brokered;
    private final Broker broker;
    private final Clock clock;

    BrokeredTypeProvider(BrokeredType brokered, Broker broker, Clock clock) {
        this.brokered = brokered;
        this.broker = broker;
        this.clock = clock;
    }

    @Override
    public Class<? extends IBaseResource> getResourceType() {
        return brokered.resourceClass();
    }

    protected String typeName() {
        return brokered.name();
    }

    /**
     * The search as {@link StrictSearch} parsed it. A request that did not pass through it (which the server's
     * set-up rules out) is parsed here, strictly.
     */
    protected IBundleProvider searchAsAsked(RequestDetails details) {
        SearchParser.Parsed parsed = StrictSearch.parsed(details);
        if (parsed == null) {
            parsed = SearchParser.parse(brokered, details.getParameters(), broker.settings().maxPageSize());
            if (!parsed.issues().isEmpty()) {
                throw StrictSearch.refused(parsed.issues());
            }
        }
        GatewayContext.Current current = permitted();
        List<String> scope = current.issued().scope().resourceTypes();
        List<SearchParser.Include> includes = new ArrayList<>();
        for (SearchParser.Include include : parsed.includes()) {
            List<String> targets = include.targets().stream().filter(scope::contains).toList();
            if (targets.isEmpty()) {
                throw new InvalidRequestException("_include of " + include.parameter().name() + ": this permit does not "
                        + "cover " + String.join(" or ", include.targets()) + " resources.");
            }
            includes.add(new SearchParser.Include(include.parameter(), targets));
        }
        List<Released> results = broker.search(current.permit(), typeName(), parsed.criteria());
        if (parsed.order() != null) {
            results = new ArrayList<>(results);
            results.sort(parsed.order());
        }
        return new ReleasingBundleProvider(broker, current.issued().id(), typeName(), results,
                Date.from(clock.instant()), includes);
    }

    protected Resource read(IdType id) {
        GatewayContext.Current current = permitted();
        // A Patient's id is the person's pseudonym: only that person is checked. Any other type's id names no
        // person, so its read is a search of the whole cohort.
        Set<String> ids = Set.of(id.getIdPart());
        List<Released> found = broker.search(current.permit(), typeName(),
                new SearchCriteria(ids, brokered.isPatient() ? ids : null, Map.of()));
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
        if (!current.issued().scope().resourceTypes().contains(typeName())) {
            throw new InvalidRequestException("This permit does not cover " + typeName() + " resources.");
        }
        return current;
    }
}
