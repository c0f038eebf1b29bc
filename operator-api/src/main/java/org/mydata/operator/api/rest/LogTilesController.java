package org.mydata.operator.api.rest;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.log.LogWitnesses;
import org.mydata.operator.verify.log.Tile;
import org.mydata.operator.log.TransparencyLog;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The log as C2SP tlog-tiles (https://c2sp.org/tlog-tiles) under the prefix {@value #PREFIX}: the checkpoint
 * note, the hash tiles and the entry bundles, public like the JWKS, so that anyone can mirror the log with a
 * static copier and audit it without the operator's API. A full tile never changes, so caches and CDNs may
 * keep it for a year; partial tiles and the checkpoint move on as the log grows, so they are cached briefly.
 * The prefix itself answers with an HTML list of every resource of the current tree, so that
 * {@code wget --mirror} finds them all by following links.
 */
@RestController
@RequestMapping(LogTilesController.PREFIX)
public class LogTilesController {
    public static final String PREFIX = "/api/v1/audit/log";
    static final CacheControl IMMUTABLE = CacheControl.maxAge(Duration.ofDays(365)).cachePublic().immutable();
    static final CacheControl SHORT = CacheControl.maxAge(Duration.ofSeconds(5)).cachePublic();
    static final CacheControl PARTIAL = CacheControl.maxAge(Duration.ofSeconds(60)).cachePublic();
    private static final MediaType TEXT = new MediaType("text", "plain", StandardCharsets.UTF_8);

    private final TransparencyLog log;
    private final boolean witnessed;

    /** @param witnesses the log's witnesses, whose cosignatures the published checkpoint then carries */
    public LogTilesController(TransparencyLog log, LogWitnesses witnesses) {
        this.log = log;
        this.witnessed = !witnesses.witnesses().isEmpty();
    }

    @GetMapping(value = "/checkpoint")
    public ResponseEntity<String> checkpoint() {
        String note = log.publishedCheckpoint(witnessed).orElseThrow(() ->
                new NotFoundException("no checkpoint note yet (notes need an Ed25519 operator key)")).note();
        return ResponseEntity.ok().contentType(TEXT).cacheControl(SHORT).body(note);
    }

    @GetMapping("/tile/**")
    public ResponseEntity<byte[]> tile(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length() + PREFIX.length() + 1);
        Tile.Address address;
        try {
            address = Tile.parse(path);
        } catch (IllegalArgumentException e) {
            // A path not in the canonical form names no resource, so that each tile has exactly one URL.
            throw new NotFoundException("not a tile: " + e.getMessage());
        }
        Tile tile = address.tile();
        Optional<byte[]> bytes = address.entries() ? log.entryBundle(tile) : log.hashTile(tile);
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM)
                .cacheControl(tile.isFull() ? IMMUTABLE : PARTIAL)
                .body(bytes.orElseThrow(() -> new NotFoundException("the signed log has no " + address.path())));
    }

    /** Links to every resource of the latest signed tree, for static copiers that follow links. */
    @GetMapping(value = {"", "/"}, produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> index() {
        long size = log.publishedCheckpoint(witnessed).map(TransparencyLog.PublishedNote::treeSize).orElse(0L);
        StringBuilder html = new StringBuilder("<!doctype html>\n<html><head><meta charset=\"utf-8\">"
                + "<title>Transparency log tiles</title></head><body>\n<p>C2SP tlog-tiles of a log of ")
                .append(size).append(" entries.</p>\n<ul>\n<li><a href=\"checkpoint\">checkpoint</a></li>\n");
        for (Tile tile : Tile.allInTree(size)) {
            link(html, tile.path());
            if (tile.level() == 0) {
                link(html, tile.entriesPath());
            }
        }
        html.append("</ul>\n</body></html>\n");
        return ResponseEntity.ok().contentType(new MediaType("text", "html", StandardCharsets.UTF_8)).cacheControl(SHORT)
                .body(html.toString());
    }

    private static void link(StringBuilder html, String path) {
        html.append("<li><a href=\"").append(path).append("\">").append(path).append("</a></li>\n");
    }
}
