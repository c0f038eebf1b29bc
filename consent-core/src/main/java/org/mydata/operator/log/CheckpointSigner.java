package org.mydata.operator.log;

import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.CheckpointNote;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.NoteKeys;
import org.mydata.operator.verify.log.NoteSigner;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import org.mydata.operator.signing.KeyRing;
import org.mydata.operator.verify.signing.RecordType;

/**
 * Signs tree heads in both forms the log publishes: the JWS checkpoint with the operator's key ring, and,
 * when a note signer is configured, the C2SP checkpoint note. Only {@link LogWriter} calls it, and only
 * with roots it computed from the stored tree, which is what keeps the operator from ever signing two
 * inconsistent checkpoints.
 */
public final class CheckpointSigner {
    private final KeyRing keyRing;
    private final Clock clock;
    private final String origin;
    private final NoteSigner noteSigner;

    /**
     * @param origin     the log's identity on the note's first line, e.g. {@code operator.example/mydata-log}
     * @param noteSigner signs the note form; null when the operator's key cannot (an ES256 key ring), in
     *                   which case only the JWS is issued
     */
    public CheckpointSigner(KeyRing keyRing, Clock clock, String origin, NoteSigner noteSigner) {
        this.keyRing = Objects.requireNonNull(keyRing, "keyRing");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.origin = NoteKeys.requireName(origin);
        this.noteSigner = noteSigner;
    }

    String origin() {
        return origin;
    }

    Issued sign(long treeSize, Hash rootHash) {
        Instant now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS);
        String jws = keyRing.sign(RecordType.CHECKPOINT, Checkpoint.claims(treeSize, rootHash, now));
        String note = noteSigner == null ? null : new CheckpointNote(origin, treeSize, rootHash).sign(noteSigner);
        return new Issued(new Checkpoint(treeSize, rootHash, now, jws), note);
    }

    /** A freshly signed checkpoint and its note (null without a note signer). */
    record Issued(Checkpoint checkpoint, String note) {
    }
}
