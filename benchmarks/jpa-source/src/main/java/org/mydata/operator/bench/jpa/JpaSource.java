package org.mydata.operator.bench.jpa;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * A real FHIR server as the gateway's source: HAPI FHIR JPA 8.8.0 (Spring, Hibernate, its own schema) on an
 * embedded PostgreSQL of its own, in a JVM of its own, serving the FHIR R4 REST API under {@code /fhir} on
 * Jetty, loaded at start with a Synthea NDJSON population (the same file {@code NdjsonSource} serves).
 *
 * <pre>java -cp ... org.mydata.operator.bench.jpa.JpaSource FILE.ndjson.gz PORT DATA_DIR [TYPE,TYPE...]</pre>
 *
 * With a list of types only the population's resources of those types are loaded (every person, all of their
 * resources of each type): a search scenario that reads two types need not wait for HAPI to index nine.
 *
 * The population is written through HAPI's own transaction processing (batches of PUTs, the ids kept), so every
 * resource is indexed for search as HAPI indexes anything it stores. Its PostgreSQL runs without fsync: it is a
 * source of test data made anew for every run, and what is measured is its reads.
 */
public final class JpaSource {
    private static final int BATCH = 250;

    private JpaSource() {
    }

    public static void main(String[] args) throws Exception {
        Path population = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);
        Path dataDir = Path.of(args[2]);
        java.util.Set<String> types = args.length > 3 ? java.util.Set.of(args[3].split(",")) : null;
        Files.createDirectories(dataDir);
        long started = System.nanoTime();
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir.resolve("postgres"))
                .setCleanDataDirectory(true)
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .setServerConfig("max_connections", "64")
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                pg.close();
            } catch (Exception e) {
                // stopping anyway
            }
        }));
        System.setProperty("jpa.jdbc-url", pg.getJdbcUrl("postgres", "postgres"));
        AnnotationConfigApplicationContext spring = new AnnotationConfigApplicationContext(JpaSourceConfig.class);
        FhirContext fhir = spring.getBean(FhirContext.class);
        @SuppressWarnings("unchecked")
        IFhirSystemDao<Bundle, ?> systemDao = spring.getBean(IFhirSystemDao.class);

        int loaded = load(fhir, systemDao, population, types);
        System.out.printf("JPA source loaded %d resources in %.0f s%n", loaded, (System.nanoTime() - started) / 1e9);

        RestfulServer rest = new RestfulServer(fhir);
        rest.registerProviders(spring.getBean(ResourceProviderFactory.class).createProviders());
        rest.registerProvider(spring.getBean(JpaSystemProvider.class));
        DatabaseBackedPagingProvider paging = spring.getBean(DatabaseBackedPagingProvider.class);
        paging.setDefaultPageSize(20);
        paging.setMaximumPageSize(1000);
        rest.setPagingProvider(paging);
        rest.setDefaultResponseEncoding(EncodingEnum.JSON);
        rest.setServerConformanceProvider(new JpaCapabilityStatementProvider(rest, systemDao,
                spring.getBean(JpaStorageSettings.class), spring.getBean(ISearchParamRegistry.class),
                spring.getBean(IValidationSupport.class)));

        Server jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        ServletHolder holder = new ServletHolder(rest);
        holder.setInitOrder(1);
        context.addServlet(holder, "/fhir/*");
        jetty.setHandler(context);
        jetty.start();
        System.out.printf("JPA source serving %d resources at http://127.0.0.1:%d/fhir (HAPI FHIR JPA %s, "
                + "PostgreSQL port %d), ready after %.0f s%n", loaded, port, ca.uhn.fhir.util.VersionUtil.getVersion(),
                pg.getPort(), (System.nanoTime() - started) / 1e9);
        jetty.join();
    }

    /** Writes the population in transaction bundles of PUTs (ids kept) on two threads; returns how many. */
    private static int load(FhirContext fhir, IFhirSystemDao<Bundle, ?> systemDao, Path population,
                            java.util.Set<String> types) throws Exception {
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                population.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(population), 1 << 16)
                        : Files.newInputStream(population), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isBlank() && (types == null || types.contains(typeOf(line)))) {
                    lines.add(line);
                }
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<Integer>> batches = new ArrayList<>();
        for (int from = 0; from < lines.size(); from += BATCH) {
            List<String> batch = lines.subList(from, Math.min(lines.size(), from + BATCH));
            batches.add(pool.submit(() -> {
                Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
                var parser = fhir.newJsonParser();
                for (String line : batch) {
                    Resource r = (Resource) parser.parseResource(line);
                    String id = r.fhirType() + "/" + r.getIdElement().getIdPart();
                    tx.addEntry().setFullUrl(id).setResource(r).getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl(id);
                }
                systemDao.transaction(new SystemRequestDetails(), tx);
                return batch.size();
            }));
        }
        int n = 0;
        for (Future<Integer> f : batches) {
            n += f.get();
            if (n % (BATCH * 8) == 0) {
                System.out.printf("JPA source: %d of %d resources loaded%n", n, lines.size());
            }
        }
        pool.shutdown();
        return n;
    }

    /** The resourceType of an NDJSON line, read without parsing it (Synthea writes it first). */
    private static String typeOf(String line) {
        int at = line.indexOf("\"resourceType\"");
        int open = line.indexOf('"', line.indexOf(':', at) + 1);
        return line.substring(open + 1, line.indexOf('"', open + 1));
    }
}
