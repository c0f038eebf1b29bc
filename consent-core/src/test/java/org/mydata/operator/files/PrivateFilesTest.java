package org.mydata.operator.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateFilesTest {
    @TempDir
    Path dir;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void filesAre0600AndDirectories0700WhateverTheUmask() throws Exception {
        Path open = Files.createDirectories(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path nested = PrivateFiles.directory(open.resolve("a/b"));
        assertThat(mode(open.resolve("a"))).isEqualTo("rwx------");
        assertThat(mode(nested)).isEqualTo("rwx------");
        PrivateFiles.directory(open);
        assertThat(mode(open)).isEqualTo("rwx------");
        try (BufferedWriter w = PrivateFiles.newWriter(nested.resolve("x.ndjson"), StandardCharsets.UTF_8)) {
            w.write("{}\n");
        }
        assertThat(mode(nested.resolve("x.ndjson"))).isEqualTo("rw-------");
        Path loose = Files.writeString(dir.resolve("loose"), "x");
        Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r--r--"));
        PrivateFiles.write(loose, new byte[] {1});
        assertThat(mode(loose)).isEqualTo("rw-------");
    }
}
