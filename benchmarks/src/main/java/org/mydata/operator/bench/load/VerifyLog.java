package org.mydata.operator.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The auditor's own command on the operator's real log: {@code java -jar mydata-operator.jar verify log
 * --operator URL --token TOKEN}, timed from start to exit (JVM start included). By the time it runs, the
 * log holds every record and access event the earlier scenarios made; the command fetches them all,
 * checks every signature, recomputes the root and compares it with the signed checkpoint.
 */
final class VerifyLog {
    private VerifyLog() {
    }

    static void run(Driver.Ctx ctx) throws IOException, InterruptedException {
        Api api = ctx.api();
        String token = api.clientToken("auditor-demo", "auditor-demo-secret", "auditor");
        long size = api.get("/api/v1/audit/checkpoint", token).expect(200).json().get("tree_size").asLong();
        Process p = new ProcessBuilder(List.of("java", "-jar", ctx.require("jar"), "verify", "log", "--operator",
                ctx.base(), "--token", token, "--to", String.valueOf(size))).redirectErrorStream(true).start();
        long t0 = System.nanoTime();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean ended = p.waitFor(20, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - t0) / 1e9;
        boolean passed = ended && p.exitValue() == 0 && out.contains("Result: PASSED");
        Metrics m = ctx.metrics();
        m.put("s5.cli.entries", size);
        m.put("s5.cli.seconds", seconds);
        m.put("s5.cli.passed", passed);
        String last = out.lines().filter(l -> l.startsWith("Result:")).findFirst().orElse(out.strip());
        m.put("s5.cli.result", last.length() > 200 ? last.substring(0, 200) : last);
        Progress.say("verify log (the CLI) over the operator's %d entries: %.1f s, %s", size, seconds, last);
    }
}
