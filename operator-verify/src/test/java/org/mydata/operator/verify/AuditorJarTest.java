package org.mydata.operator.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The jar an auditor downloads: runnable on its own, small, and holding nothing of the server's stack. (The
 * operator-api tests run it against the real operator.)
 */
class AuditorJarTest {
    static final Path JAR = Path.of("target", "operator-verify.jar");

    @Test
    void itHoldsTheVerifierAndItsFewLibrariesOnly() throws IOException {
        assertThat(JAR).as("the shade plugin builds it as the module compiles").exists();
        List<String> entries;
        try (JarFile jar = new JarFile(JAR.toFile())) {
            entries = Collections.list(jar.entries()).stream().map(e -> e.getName()).toList();
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo(VerifyCommand.class.getName());
        }
        assertThat(entries).contains("org/mydata/operator/verify/audit/BundleVerifier.class",
                "org/mydata/operator/verify/audit/LogAudit.class", "org/mydata/operator/verify/log/LogVerifier.class",
                "org/mydata/operator/verify/log/NoteVerifier.class", "com/nimbusds/jose/crypto/Ed25519Verifier.class",
                "com/google/crypto/tink/subtle/Ed25519Verify.class");
        assertThat(entries).noneMatch(e -> e.startsWith("org/springframework/") || e.startsWith("org/postgresql/")
                || e.startsWith("org/flywaydb/") || e.startsWith("ca/uhn/") || e.startsWith("org/hl7/")
                || e.startsWith("java/sql/"));
        long size = Files.size(JAR);
        System.out.printf("operator-verify.jar: %,d bytes (%.1f MB), %d entries%n", size, size / 1e6, entries.size());
        assertThat(size).isLessThan(10_000_000L);
    }

    @Test
    void itRunsAsAJarOfItsOwn() throws Exception {
        Run help = java("-jar", JAR.toString(), "--help");
        assertThat(help.status()).as(help.output()).isZero();
        assertThat(help.output()).contains("usage: java -jar operator-verify.jar", "consent --jwks FILE");
        Run asOnTheServer = java("-jar", JAR.toString(), "verify", "--help");
        assertThat(asOnTheServer.status()).as(asOnTheServer.output()).isZero();
        Run missing = java("-jar", JAR.toString(), "consent", "--jwks", "no-such-jwks.json", "--bundle", "b.json");
        assertThat(missing.status()).as(missing.output()).isEqualTo(VerifyCommand.USAGE);
        assertThat(missing.output()).contains("cannot read no-such-jwks.json", "nothing was verified");
    }

    record Run(int status, String output) {
    }

    /** A JVM of its own, as an auditor starts it; its output is small, so it is read after it ends. */
    static Run java(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(args));
        Path output = Files.createTempFile("verify", ".out");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                    .start();
            if (!process.waitFor(1, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("the verifier did not finish in a minute: " + command);
            }
            return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
