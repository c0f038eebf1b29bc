package org.mydata.operator.api.leakscan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Synthea population made at test time with a fixed seed, unlike the bundled demo's in every setting that
 * shapes who is in it: another seed, another state, children and people over 89, the dead as well as the
 * living. Synthea runs in a JVM of its own on the classpath the {@code synthea-runner} module resolves (its
 * older HAPI must never meet the operator's), then {@code scripts/SyntheaToNdjson.java} flattens its bundles
 * as for the demo dataset. The result is kept under {@code target/}, keyed by its settings, so a re-run of the
 * test does not simulate again.
 */
public final class SyntheaPopulation {
    /** Living persons asked for; Synthea adds the dead it met on the way (about 28 more with these settings). */
    public static final int ALIVE = 40;
    public static final String SEED = "7";
    public static final String AGES = "0-100";
    public static final String STATE = "Utah";
    /** The day the simulated "hospital" loaded its data: every resource's meta.lastUpdated, a known stamp. */
    public static final String LOADED = "2025-05-15T08:30:00Z";
    /** Generous for about 70 simulated lives on 2 shared cores; a run over it is killed. */
    private static final long TIMEOUT_MINUTES = 12;

    private SyntheaPopulation() {
    }

    /**
     * What shapes a generated population.
     *
     * @param city a city of the state, or null for anywhere in it
     * @param yearsOfHistory years of each life exported (0: the whole life)
     */
    public record Settings(String seed, int alive, String ages, String state, String city, int yearsOfHistory) {
        public String describe() {
            return "Synthea seed " + seed + ", ages " + ages + ", " + (city == null ? "" : city + ", ") + state
                    + ", dead included";
        }
    }

    /** The leak scan's population. */
    public static final Settings LEAK_SCAN = new Settings(SEED, ALIVE, AGES, STATE, null, 5);

    /** The population's NDJSON (gzipped), made now unless an earlier run left it. */
    public static Path get(Path moduleDir) throws IOException, InterruptedException {
        return get(moduleDir, LEAK_SCAN);
    }

    /** A population of the given settings as NDJSON (gzipped), made now unless an earlier run left it. */
    public static Path get(Path moduleDir, Settings settings) throws IOException, InterruptedException {
        Path dir = moduleDir.resolve("target/leakscan");
        Path out = dir.resolve("synthea-s" + settings.seed() + "-p" + settings.alive() + "-a" + settings.ages() + "-"
                + settings.state() + (settings.city() == null ? "" : "-" + settings.city().replace(' ', '_'))
                + (settings.yearsOfHistory() == 5 ? "" : "-h" + settings.yearsOfHistory()) + "-with-dead.ndjson.gz");
        if (Files.isRegularFile(out) && Files.size(out) > 0) {
            System.out.println("[leak scan] generated population cached at " + out);
            return out;
        }
        Path classpathFile = moduleDir.resolve("../synthea-runner/target/synthea.classpath").normalize();
        if (!Files.isRegularFile(classpathFile)) {
            throw new IllegalStateException(classpathFile + " is missing: the synthea-runner module writes it; "
                    + "build through the reactor (./mvnw -pl operator-api -am ...)");
        }
        String classpath = Files.readString(classpathFile).trim();
        Path work = dir.resolve("synthea-work-" + out.getFileName().toString().replace(".ndjson.gz", ""));
        deleteTree(work);
        Files.createDirectories(work);
        long started = System.nanoTime();
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx2g", "-cp", classpath, "App",
                "-s", settings.seed(), "-cs", settings.seed(), "-r", "20250601", "-e", "20250601",
                "-p", String.valueOf(settings.alive()), "-a", settings.ages(),
                "--generate.only_alive_patients=false",
                "--generate.thread_pool_size=1",
                "--generate.append_numbers_to_person_names=false",
                "--exporter.baseDirectory=" + work.resolve("output") + "/",
                "--exporter.years_of_history=" + settings.yearsOfHistory(),
                "--exporter.fhir.export=true",
                "--exporter.fhir.use_us_core_ig=false",
                "--exporter.fhir.bulk_data=false",
                "--exporter.hospital.fhir.export=true",
                "--exporter.practitioner.fhir.export=true",
                "--exporter.csv.export=false",
                "--exporter.metadata.export=false",
                "--exporter.pretty_print=false",
                settings.state()));
        if (settings.city() != null) {
            command.add(settings.city());
        }
        run(work, command, work.resolve("synthea.log"));
        long simulated = System.nanoTime();
        Path partial = dir.resolve(out.getFileName() + ".partial");
        run(work, List.of(java(), "-cp", classpath,
                moduleDir.resolve("../scripts/SyntheaToNdjson.java").normalize().toString(),
                work.resolve("output/fhir").toString(), partial.toString(), LOADED, "Claim,ExplanationOfBenefit"),
                work.resolve("flatten.log"));
        Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.printf("[leak scan] Synthea simulated the population in %d s, flattened in %d s: %s%n",
                TimeUnit.NANOSECONDS.toSeconds(simulated - started),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - simulated), out);
        System.out.println(Files.readString(work.resolve("flatten.log")));
        deleteTree(work);
        return out;
    }

    /** Runs a process to its end within the bound; past it, kills that process (and only it) and fails. */
    private static void run(Path workDir, List<String> command, Path log) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                throw new IllegalStateException(command.get(command.size() > 4 ? 4 : 0) + " did not end within "
                        + TIMEOUT_MINUTES + " minutes; see " + log);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("exit " + process.exitValue() + "; see " + log);
            }
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.forEach(paths::add);
        }
        paths.sort(Comparator.reverseOrder());
        for (Path path : paths) {
            Files.delete(path);
        }
    }
}
