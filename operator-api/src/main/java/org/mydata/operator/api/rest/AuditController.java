package org.mydata.operator.api.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.ConsistencyProof;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.InclusionProof;
import org.mydata.operator.log.TransparencyLog;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The transparency log for auditors (scope {@code auditor}): signed checkpoints, inclusion and
 * consistency proofs, and the entries themselves. Field names follow RFC 9162's terms.
 */
@RestController
@RequestMapping("/api/v1/audit")
public class AuditController {
    private final TransparencyLog log;

    public AuditController(TransparencyLog log) {
        this.log = log;
    }

    public record CheckpointView(@JsonProperty("tree_size") long treeSize, @JsonProperty("root_hash") String rootHash,
                                 Instant iat, String jws) {
        static CheckpointView of(Checkpoint c) {
            return new CheckpointView(c.treeSize(), c.rootHash().base64(), c.issuedAt(), c.jws());
        }
    }

    public record InclusionView(@JsonProperty("leaf_index") long leafIndex, @JsonProperty("tree_size") long treeSize,
                                @JsonProperty("audit_path") List<String> auditPath) {
    }

    public record ConsistencyView(long first, long second, List<String> consistency) {
    }

    public record EntryView(long index, String entry, @JsonProperty("leaf_hash") String leafHash) {
    }

    @GetMapping("/checkpoint")
    public CheckpointView checkpoint(@RequestParam(required = false) Long size) {
        Checkpoint checkpoint = (size == null ? log.latestCheckpoint() : log.checkpoint(size)).orElseThrow(() ->
                new NotFoundException(size == null ? "the log has no checkpoint yet" : "no checkpoint was issued for size " + size));
        return CheckpointView.of(checkpoint);
    }

    /** The latest checkpoint as a C2SP signed note, for transparency-log witnesses; public like the JWKS. */
    @GetMapping(value = "/checkpoint.note", produces = MediaType.TEXT_PLAIN_VALUE)
    public ResponseEntity<String> note() {
        return ResponseEntity.ok().contentType(new MediaType("text", "plain", java.nio.charset.StandardCharsets.UTF_8))
                .body(log.latestCheckpointNote().orElseThrow(() ->
                        new NotFoundException("no checkpoint note yet (notes need an Ed25519 operator key)")));
    }

    @GetMapping("/proofs/inclusion")
    public InclusionView inclusion(@RequestParam long index, @RequestParam long size) {
        InclusionProof proof = log.inclusionProof(index, size);
        return new InclusionView(proof.leafIndex(), proof.treeSize(), base64(proof.auditPath()));
    }

    @GetMapping("/proofs/consistency")
    public ConsistencyView consistency(@RequestParam long from, @RequestParam long to) {
        ConsistencyProof proof = log.consistencyProof(from, to);
        return new ConsistencyView(proof.first(), proof.second(), base64(proof.consistency()));
    }

    /** Entries {@code [start, end)} in order, at most {@link TransparencyLog#MAX_PAGE} at a time. */
    @GetMapping("/entries")
    public List<EntryView> entries(@RequestParam long start, @RequestParam long end) {
        return log.entries(start, end).stream().map(e -> new EntryView(e.index(),
                e.erased() ? null : Base64.getEncoder().encodeToString(e.entry()), e.leafHash().base64())).toList();
    }

    private static List<String> base64(List<Hash> hashes) {
        return hashes.stream().map(Hash::base64).toList();
    }

}
