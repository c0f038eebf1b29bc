package org.mydata.operator.gateway.demo;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.method.ResponsePage;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.gateway.search.Interval;

/**
 * Read access to the loaded resources of one type; the base of the searchable providers. A type
 * without a search definition is served by this class alone, so every loaded resource can be read.
 *
 * <p>Immutable after construction. Methods return {@link IBaseResource} rather than {@code T} so that
 * HAPI takes the resource type from {@link #getResourceType()} and not from the erased signature.
 */
public class InMemoryResourceProvider<T extends Resource> implements IResourceProvider {

    private final Class<T> type;
    private final Map<String, T> byId;

    InMemoryResourceProvider(Class<T> type, Collection<T> resources) {
        this.type = type;
        Map<String, T> map = new TreeMap<>();
        for (T resource : resources) {
            if (map.put(resource.getIdElement().getIdPart(), resource) != null) {
                throw new IllegalArgumentException("two resources with the id " + resource.getIdElement().toUnqualifiedVersionless());
            }
        }
        this.byId = Collections.unmodifiableMap(map);
    }

    @Override
    public Class<T> getResourceType() {
        return type;
    }

    @Read
    public IBaseResource read(@IdParam IdType id) {
        T resource = byId.get(id.getIdPart());
        if (resource == null) {
            throw new ResourceNotFoundException(id);
        }
        return resource.copy();
    }

    /** All resources of the type, in id order. */
    protected Collection<T> all() {
        return byId.values();
    }

    /** Filters common to every search: {@code _id} and {@code _lastUpdated}. */
    protected static Predicate<Resource> commonFilters(TokenAndListParam ids, DateAndListParam lastUpdated) {
        return resource -> SearchMatch.allOfAnyOf(ids, t -> SearchMatch.id(resource, t))
                && SearchMatch.allOfAnyOf(lastUpdated, d -> SearchMatch.date(Interval.of(resource.getMeta().getLastUpdatedElement()), d));
    }

    protected static IBundleProvider page(List<? extends Resource> matches) {
        return new CopyingBundleProvider(matches);
    }

    /**
     * Hands out copies, one page at a time: the store stays untouched by whatever HAPI's response
     * pipeline does to the resources it is given, and a large result costs only the page it serves.
     */
    private static final class CopyingBundleProvider extends SimpleBundleProvider {
        CopyingBundleProvider(List<? extends Resource> matches) {
            super(List.copyOf(matches));
        }

        @Override
        public List<IBaseResource> getResources(int from, int to, ResponsePage.ResponsePageBuilder builder) {
            return super.getResources(from, to, builder).stream().map(r -> (IBaseResource) ((Resource) r).copy()).toList();
        }
    }
}
