package org.mydata.operator.bench.load;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * JFR on the operator's JVM while a scenario runs (jcmd JFR.start / JFR.stop), and a summary of where its
 * CPU samples were: the hottest methods by own time, and the hottest methods of the operator and its
 * libraries counted once per sample they are on the stack of.
 */
final class Jfr {
    private Jfr() {
    }

    static void start(long pid, String name) {
        jcmd(pid, "JFR.start", "name=" + name, "settings=profile");
    }

    static void stop(long pid, String name, Path file) {
        jcmd(pid, "JFR.stop", "name=" + name, "filename=" + file.toAbsolutePath());
    }

    static String jcmd(long pid, String... command) {
        List<String> cmd = new java.util.ArrayList<>(List.of("jcmd", String.valueOf(pid)));
        cmd.addAll(List.of(command));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroy();
            }
            return output;
        } catch (IOException e) {
            return "jcmd failed: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Libraries a sample can be in, by the first matching frame from the top of the stack. */
    private static final List<String[]> LIBRARIES = List.of(
            new String[] {"com.google.crypto.tink.", "Ed25519 (Tink, via Nimbus)"},
            new String[] {"sun.security.ec.", "ECDSA (JDK)"},
            new String[] {"sun.security.rsa.", "RSA (JDK: access-token signatures)"},
            new String[] {"sun.security.provider.", "SHA-2 digests (JDK)"},
            new String[] {"ca.uhn.fhir.parser.", "HAPI FHIR JSON parser (parse and encode)"},
            new String[] {"ca.uhn.fhir.util.FhirTerser", "HAPI FhirTerser (element walks)"},
            new String[] {"ca.uhn.fhir.", "HAPI FHIR, other"},
            new String[] {"org.hl7.fhir.", "HAPI FHIR model classes"},
            new String[] {"org.postgresql.", "PostgreSQL JDBC driver"},
            new String[] {"com.zaxxer.hikari.", "Hikari pool"},
            new String[] {"com.nimbusds.", "Nimbus JOSE (JSON, JWS framing)"},
            new String[] {"com.fasterxml.jackson.", "Jackson 2"},
            new String[] {"tools.jackson.", "Jackson 3"},
            new String[] {"org.springframework.security.", "Spring Security"},
            new String[] {"org.springframework.", "Spring, other"},
            new String[] {"org.apache.catalina.", "Tomcat"},
            new String[] {"org.apache.coyote.", "Tomcat"},
            new String[] {"org.apache.tomcat.", "Tomcat"},
            new String[] {"org.apache.http.", "Apache HttpClient (HAPI's client to the source)"},
            new String[] {"org.mydata.", "operator code itself"},
            new String[] {"java.", "JDK (collections, strings, I/O)"},
            new String[] {"jdk.", "JDK (collections, strings, I/O)"},
            new String[] {"sun.", "JDK (collections, strings, I/O)"});

    /** The top methods of the recording's execution samples. */
    static String top(Path file, int n) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> operator = new HashMap<>();
        Map<String, Integer> libraries = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        int samples = 0;
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent event = recording.readEvent();
                if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                    continue;
                }
                RecordedStackTrace stack = event.getStackTrace();
                if (stack == null || stack.getFrames().isEmpty()) {
                    continue;
                }
                samples++;
                String thread = event.getThread("sampledThread") == null ? "?"
                        : event.getThread("sampledThread").getJavaName();
                threads.merge(thread == null ? "?" : thread.replaceAll("[-#]?\\d+$", "-N"), 1, Integer::sum);
                List<RecordedFrame> frames = stack.getFrames();
                String top = name(frames.get(0));
                self.merge(top, 1, Integer::sum);
                libraries.merge(LIBRARIES.stream().filter(l -> top.startsWith(l[0])).map(l -> l[1]).findFirst()
                        .orElse("other"), 1, Integer::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame frame : frames) {
                    String method = name(frame);
                    if (method.startsWith("org.mydata.") && !method.contains("$$Lambda") && seen.add(method)) {
                        operator.merge(method, 1, Integer::sum);
                    }
                }
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%d CPU samples%n", samples));
        append(out, "own time, by method", self, samples, n);
        append(out, "own time, by library", libraries, samples, n);
        append(out, "operator methods on the stack (time in them and in what they call)", operator, samples, n);
        append(out, "by thread", threads, samples, 5);
        return out.toString();
    }

    private static void append(StringBuilder out, String title, Map<String, Integer> counts, int total, int n) {
        out.append("  ").append(title).append(":\n");
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(n)
                .forEach(e -> out.append(String.format(Locale.ROOT, "    %5.1f%%  %s%n", 100.0 * e.getValue() / total,
                        e.getKey())));
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }
}
