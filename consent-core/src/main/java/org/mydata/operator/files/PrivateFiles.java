package org.mydata.operator.files;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.channels.Channels;
import java.nio.charset.Charset;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files and directories under the data dir hold health data, keys and secrets: only the operator's user may
 * read them (files {@code 0600}, directories {@code 0700}), whatever the process umask. The permissions are
 * given at creation, so there is no moment in which another user could open the file. On a file system
 * without POSIX permissions nothing is set, and the data dir's own protection (its ACLs) is what counts.
 */
public final class PrivateFiles {
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private PrivateFiles() {
    }

    /**
     * Makes the directory and any missing parents {@code 0700}, and narrows the directory itself to {@code 0700}
     * if it already existed (parents that existed are left alone: they may be shared, like {@code /tmp}).
     */
    public static Path directory(Path dir) throws IOException {
        if (!POSIX) {
            return Files.createDirectories(dir);
        }
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
        Files.setPosixFilePermissions(dir, DIRECTORY);
        return dir;
    }

    /** A new file ({@code 0600}) to write text to; fails if it exists. */
    public static BufferedWriter newWriter(Path file, Charset charset) throws IOException {
        return new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(Files.newByteChannel(file,
                EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), fileAttributes())), charset));
    }

    /** Writes a new or replaced file, {@code 0600} (a replaced one is narrowed too). */
    public static void write(Path file, byte[] bytes) throws IOException {
        if (POSIX && !Files.exists(file)) {
            Files.createFile(file, fileAttributes());
        }
        narrow(file);
        Files.write(file, bytes, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** What writes a file's content. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException, GeneralSecurityException;
    }

    /**
     * Writes the file whole or not at all: into a {@code 0600} temporary file beside it (its directory made
     * {@code 0700} if missing), then moved over it atomically where the file system can, so a crash never
     * leaves half a keystore.
     */
    public static void replace(Path file, Content content) throws IOException, GeneralSecurityException {
        Path dir = directory(file.toAbsolutePath().getParent());
        Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", fileAttributes());
        try {
            try (OutputStream out = Files.newOutputStream(temp)) {
                content.writeTo(out);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Narrows an existing file to {@code 0600}: for files made by libraries that take no permissions. */
    public static void narrow(Path file) throws IOException {
        if (POSIX && Files.exists(file)) {
            Files.setPosixFilePermissions(file, FILE);
        }
    }

    private static FileAttribute<?>[] fileAttributes() {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
    }
}
