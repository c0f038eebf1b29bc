package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.FhirVersionEnum;
import ca.uhn.fhir.context.api.BundleInclusionRule;
import ca.uhn.fhir.model.api.Include;
import ca.uhn.fhir.model.api.ResourceMetadataKeyEnum;
import ca.uhn.fhir.model.valueset.BundleTypeEnum;
import ca.uhn.fhir.rest.api.IVersionSpecificBundleFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.hapi.rest.server.R4BundleFactory;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ResourceFactory;

/**
 * HAPI's R4 bundle factory without its walk for embedded resources. For every resource it puts in a Bundle,
 * HAPI's factory walks the whole resource with its terser (reflection on every element) to find references
 * that carry a resource object, to add those as includes. Nothing the gateway releases carries one: the
 * pseudonymiser keeps a reference only as a relative {@code Type/id} it wrote itself (a contained {@code #id}
 * is dropped), and the gateway adds what {@code _include} brings itself ({@link Included}), marked as includes.
 * The walk found nothing and cost about as much as reading the resource once more.
 *
 * <p>So HAPI's own factory builds each entry (full URL, search mode and score, request) from a stand-in of the
 * resource's type that carries the resource's id and entry metadata and nothing else, and the entry then gets the
 * resource itself.
 */
final class ReleasedBundleFactory extends R4BundleFactory {

    ReleasedBundleFactory(FhirContext context) {
        super(context);
    }

    /** A context for the gateway's server alone: the shared one's parser options, this bundle factory. */
    static FhirContext contextFor(FhirContext shared) {
        FhirContext context = new FhirContext(FhirVersionEnum.R4) {
            @Override
            public IVersionSpecificBundleFactory newBundleFactory() {
                return new ReleasedBundleFactory(this);
            }
        };
        context.setParserOptions(shared.getParserOptions());
        context.setNarrativeGenerator(shared.getNarrativeGenerator());
        return context;
    }

    @Override
    public void addResourcesToBundle(List<IBaseResource> result, BundleTypeEnum bundleType, String serverBase,
                                     BundleInclusionRule inclusionRule, Set<Include> includes) {
        List<IBaseResource> standIns = new ArrayList<>(result.size());
        for (IBaseResource resource : result) {
            standIns.add(standIn((Resource) resource));
        }
        super.addResourcesToBundle(standIns, bundleType, serverBase, inclusionRule, includes);
        List<Bundle.BundleEntryComponent> entries = ((Bundle) getResourceBundle()).getEntry();
        // A stand-in references nothing, so HAPI added exactly one entry per resource, in order, at the end.
        int first = entries.size() - result.size();
        for (int i = 0; i < result.size(); i++) {
            Bundle.BundleEntryComponent entry = entries.get(first + i);
            if (entry.getResource() == standIns.get(i)) {
                entry.setResource((Resource) result.get(i));
            }
        }
    }

    private static Resource standIn(Resource resource) {
        Resource standIn = ResourceFactory.createResource(resource.fhirType());
        standIn.setIdElement(resource.getIdElement());
        copy(ResourceMetadataKeyEnum.ENTRY_SEARCH_MODE, resource, standIn);
        copy(ResourceMetadataKeyEnum.ENTRY_SEARCH_SCORE, resource, standIn);
        copy(ResourceMetadataKeyEnum.ENTRY_TRANSACTION_METHOD, resource, standIn);
        return standIn;
    }

    private static <T> void copy(ResourceMetadataKeyEnum<T> key, Resource from, Resource to) {
        T value = key.get(from);
        if (value != null) {
            key.put(to, value);
        }
    }
}
