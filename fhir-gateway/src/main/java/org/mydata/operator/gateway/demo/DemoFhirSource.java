package org.mydata.operator.gateway.demo;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.FhirVersionEnum;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.FifoMemoryPagingProvider;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo FHIR source: an in-memory FHIR R4 server, standing in for a hospital's server on a private
 * network, so it asks for no authentication. Mount it as a servlet (e.g. at {@code /demo-fhir/*}).
 *
 * <p>It serves the CapabilityStatement, {@code read} for every loaded type, {@code search} on Patient
 * by {@code identifier}, {@code _id}, {@code _lastUpdated}, and on the patient-compartment types listed
 * in {@link ClinicalType} by {@code patient}/{@code subject}, {@code _id}, {@code code},
 * {@code category}, {@code date}, {@code _lastUpdated}; {@code _count} and {@code Bundle.link} paging.
 * Nothing can be written. The data never change after construction, so concurrent requests are safe.
 *
 * <p>The bundled dataset is a seeded Synthea population, see {@code scripts/generate-demo-patients.sh}.
 */
public class DemoFhirSource extends RestfulServer {

    /** The bundled dataset on the classpath: one FHIR R4 resource per line, gzipped. */
    public static final String DATASET = "/demo-source/synthea-patients.ndjson.gz";

    private static final Logger log = LoggerFactory.getLogger(DemoFhirSource.class);
    private static final int DEFAULT_PAGE_SIZE = 50;
    private static final int MAX_PAGE_SIZE = 500;
    private static final int REMEMBERED_SEARCHES = 200;

    private final List<Patient> patients;
    private final Map<String, Integer> counts;

    /**
     * Serves the given resources (copied: later changes to them are not seen). Ids must be unique per type.
     *
     * @param fhirContext an R4 context; share the application's, it is expensive to build
     */
    public DemoFhirSource(FhirContext fhirContext, List<? extends Resource> resources) {
        this(fhirContext, new Owned(resources.stream().map(Resource::copy).toList()));
    }

    /** Resources nobody else holds, so they need no copying: the bundled dataset is parsed for the source alone. */
    private record Owned(List<Resource> resources) {
    }

    private DemoFhirSource(FhirContext fhirContext, Owned dataset) {
        super(fhirContext);
        if (fhirContext.getVersion().getVersion() != FhirVersionEnum.R4) {
            throw new IllegalArgumentException("the demo source serves FHIR R4, not " + fhirContext.getVersion().getVersion());
        }
        Map<Class<? extends Resource>, List<Resource>> byType = new LinkedHashMap<>();
        for (Resource resource : dataset.resources()) {
            if (!resource.getIdElement().hasIdPart()) {
                throw new IllegalArgumentException("a " + resource.fhirType() + " without an id cannot be served");
            }
            byType.computeIfAbsent(resource.getClass(), t -> new ArrayList<>()).add(resource);
        }
        List<IResourceProvider> providers = new ArrayList<>();
        Map<String, Integer> sizes = new TreeMap<>();
        byType.forEach((type, list) -> {
            providers.add(provider(type, list));
            sizes.put(type.getSimpleName(), list.size());
        });
        this.patients = byType.getOrDefault(Patient.class, List.of()).stream().map(Patient.class::cast).toList();
        this.counts = Collections.unmodifiableMap(sizes);

        setResourceProviders(providers);
        setPagingProvider(new FifoMemoryPagingProvider(REMEMBERED_SEARCHES)
                .setDefaultPageSize(DEFAULT_PAGE_SIZE)
                .setMaximumPageSize(MAX_PAGE_SIZE));
        setDefaultResponseEncoding(EncodingEnum.JSON);
        setServerName("MyData demo FHIR source");
        setImplementationDescription("Synthetic patients (Synthea), read-only, in memory");
    }

    /** The bundled Synthea dataset, with a new R4 context. */
    public static DemoFhirSource fromClasspath() {
        return fromClasspath(FhirContext.forR4());
    }

    /** The bundled Synthea dataset. Loading takes a few seconds. */
    public static DemoFhirSource fromClasspath(FhirContext fhirContext) {
        long started = System.nanoTime();
        List<Resource> resources = readDataset(fhirContext, line -> true);
        log.info("Demo FHIR source loaded {} resources in {} ms", resources.size(), (System.nanoTime() - started) / 1_000_000);
        return new DemoFhirSource(fhirContext, new Owned(resources));
    }

    /**
     * The first {@code n} persons of the bundled dataset, without loading the rest of it: Patients in
     * order of logical id, each with its SSN identifier (see {@link DemoPerson#firstOf}).
     */
    public static List<DemoPerson> demoPersons(int n) {
        FhirContext context = FhirContext.forR4Cached();
        List<Patient> found = readDataset(context, line -> line.contains("\"resourceType\":\"Patient\"")).stream()
                .filter(Patient.class::isInstance)
                .map(Patient.class::cast)
                .toList();
        return DemoPerson.firstOf(found, n);
    }

    /** The first {@code n} persons of the data this source serves, by the same rule as {@link #demoPersons(int)}. */
    public List<DemoPerson> persons(int n) {
        return DemoPerson.firstOf(patients, n);
    }

    /** How many resources of each type are loaded, by type name in alphabetical order. */
    public Map<String, Integer> resourceCounts() {
        return counts;
    }

    private static <T extends Resource> IResourceProvider provider(Class<T> type, Collection<Resource> resources) {
        List<T> typed = resources.stream().map(type::cast).toList();
        if (type == Patient.class) {
            return new PatientResourceProvider(typed.stream().map(Patient.class::cast).toList());
        }
        return ClinicalType.of(type)
                .<IResourceProvider>map(definition -> new ClinicalResourceProvider<>(definition, typed))
                .orElseGet(() -> new InMemoryResourceProvider<>(type, typed));
    }

    private static List<Resource> readDataset(FhirContext fhirContext, Predicate<String> wanted) {
        InputStream stream = DemoFhirSource.class.getResourceAsStream(DATASET);
        if (stream == null) {
            throw new IllegalStateException("the demo dataset " + DATASET + " is not on the classpath");
        }
        IParser parser = fhirContext.newJsonParser();
        List<Resource> resources = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(stream), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank() && wanted.test(line)) {
                    resources.add((Resource) parser.parseResource(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the demo dataset " + DATASET, e);
        }
        return resources;
    }
}
