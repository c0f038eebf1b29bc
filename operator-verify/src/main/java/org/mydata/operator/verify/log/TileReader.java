package org.mydata.operator.verify.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Reads a log published as C2SP tlog-tiles, from its URL prefix over HTTP(S) or from a mirror directory that
 * holds the same paths (what {@code wget --mirror} or any static copier leaves). Nothing it reads is trusted:
 * the checkpoint is a signed note the caller opens, tiles are checked against the checkpoint's root by the
 * proofs and roots computed from them, and entries against the leaf hashes.
 */
public final class TileReader implements TileSource {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private final String base;
    private final Path directory;
    private final HttpClient http;

    private TileReader(String base, Path directory) {
        this.base = base;
        this.directory = directory;
        this.http = base == null ? null : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /**
     * An {@code http(s)://} prefix, a {@code file:} URI, or a directory path.
     *
     * @throws IllegalArgumentException when it is none of those
     */
    public static TileReader open(String location) {
        if (location.startsWith("http://") || location.startsWith("https://")) {
            return new TileReader(location.endsWith("/") ? location : location + "/", null);
        }
        Path dir = location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(location + " is neither an http(s) URL nor a directory");
        }
        return new TileReader(null, dir);
    }

    public static TileReader of(Path directory) {
        return new TileReader(null, directory);
    }

    public String location() {
        return base != null ? base : directory.toString();
    }

    @Override
    public byte[] read(String path) throws IOException {
        if (directory != null) {
            Path file = directory.resolve(path).normalize();
            if (!file.startsWith(directory.normalize())) {
                throw new IOException(path + " lies outside the mirror");
            }
            try {
                return Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                throw new IOException(file + " is not in the mirror", e);
            }
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT).GET().build();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + base + path, e);
        }
        if (response.statusCode() != 200) {
            throw new IOException("GET " + base + path + " answered " + response.statusCode());
        }
        return response.body();
    }

    /** The checkpoint as published, a signed note still to be opened with the log's key. */
    public String checkpoint() throws IOException {
        return new String(read("checkpoint"), StandardCharsets.UTF_8);
    }

    /** The complete subtrees of the tree of this size, from its tiles. */
    public TiledSubtrees subtrees(long treeSize) {
        return new TiledSubtrees(treeSize, this);
    }

    /**
     * The entries of one level-0 tile of a tree of this size, with the leaf hashes the tile states.
     *
     * @throws InvalidProofException when the tile or its bundle is malformed
     */
    public List<LogEntry> entries(Tile tile, TiledSubtrees tree) throws IOException, InvalidProofException {
        return entriesOf(tile, this, tree);
    }

    static List<LogEntry> entriesOf(Tile tile, TileSource source, TiledSubtrees tree)
            throws IOException, InvalidProofException {
        List<Hash> leafHashes;
        try {
            leafHashes = tree.tile(tile);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (IllegalStateException e) {
            throw new InvalidProofException(e.getMessage(), e);
        }
        return EntryBundle.entries(tile, source.read(tile.entriesPath()), leafHashes);
    }
}
