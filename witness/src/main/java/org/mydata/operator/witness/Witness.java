package org.mydata.operator.witness;

import com.google.crypto.tink.subtle.Ed25519Sign;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.mydata.operator.verify.log.CheckpointNote;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.InvalidProofException;
import org.mydata.operator.verify.log.LogVerifier;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.verify.log.NoteVerifier;
import org.mydata.operator.verify.log.SignedNote;
import org.mydata.operator.verify.log.WitnessKey;

/**
 * A C2SP tlog-witness (https://c2sp.org/tlog-witness) for the logs it is told to trust: {@code add-checkpoint}
 * cosigns a checkpoint only when it extends, by a verified consistency proof, the latest checkpoint this
 * witness cosigned for that log, so it never cosigns two inconsistent checkpoints of one log. That state is the
 * whole of its memory, one file per log, and it is on disk (written to a temporary file, forced, and renamed
 * over the old one) before a cosignature leaves, so a restart, even a crash, cannot make it forget a
 * checkpoint it vouched for. Checking and persisting happen under one lock, so two submissions cannot race
 * each other into rolling the log back (the specification's example).
 */
public final class Witness {
    /** The specification allows at most 63 proof lines; a body this long is plenty. */
    static final int MAX_BODY = 64 * 1024;

    private final WitnessKey key;
    private final Ed25519Sign signer;
    private final Map<String, List<NoteVerifier>> logs;
    private final Path stateDir;
    private final Clock clock;

    /** What {@code add-checkpoint} answers: an HTTP status, a content type and a body. */
    public record Answer(int status, String contentType, String body) {
        static Answer text(int status, String body) {
            return new Answer(status, "text/plain; charset=utf-8", body);
        }
    }

    /**
     * @param logs each log the witness serves, by origin, with the keys its checkpoints may be signed with
     */
    Witness(String name, byte[] seed, Map<String, List<NoteVerifier>> logs, Path stateDir, Clock clock) {
        try {
            this.key = WitnessKey.ed25519(name, Ed25519Sign.KeyPair.newKeyPairFromSeed(seed).getPublicKey());
            this.signer = new Ed25519Sign(seed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available", e);
        }
        this.logs = new java.util.concurrent.ConcurrentHashMap<>();
        logs.forEach((origin, keys) -> this.logs.put(origin, new java.util.concurrent.CopyOnWriteArrayList<>(keys)));
        this.stateDir = Objects.requireNonNull(stateDir, "stateDir");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Opens the witness kept in {@code dir}: its key ({@code witness.key}, made on first start) and its state
     * ({@code logs/}). The logs it trusts come from their verifier keys, the key name being the origin.
     */
    public static Witness open(Path dir, String name, List<String> logVerifierKeys, Clock clock) throws IOException {
        Files.createDirectories(dir.resolve("logs"));
        Path keyFile = dir.resolve("witness.key");
        byte[] seed;
        if (Files.exists(keyFile)) {
            seed = Base64.getDecoder().decode(Files.readString(keyFile, StandardCharsets.US_ASCII).strip());
        } else {
            seed = new byte[32];
            new SecureRandom().nextBytes(seed);
            writeAtomically(keyFile, Base64.getEncoder().encodeToString(seed) + "\n");
        }
        Map<String, List<NoteVerifier>> logs = new LinkedHashMap<>();
        for (String vkey : logVerifierKeys) {
            NoteVerifier v = NoteVerifier.fromVerifierKey(vkey);
            logs.computeIfAbsent(v.keyName(), o -> new ArrayList<>()).add(v);
        }
        return new Witness(name, seed, logs, dir.resolve("logs"), clock);
    }

    /**
     * Trusts one more key for the log it names (its key name is the origin), as when the log's operator rotates its
     * key; a key trusted already changes nothing. Keys are never dropped: older checkpoints stay verifiable.
     */
    public void trust(String logVerifierKey) {
        NoteVerifier added = NoteVerifier.fromVerifierKey(logVerifierKey);
        List<NoteVerifier> keys = logs.computeIfAbsent(added.keyName(),
                origin -> new java.util.concurrent.CopyOnWriteArrayList<>());
        synchronized (keys) {
            if (keys.stream().noneMatch(k -> k.verifierKey().equals(added.verifierKey()))) {
                keys.add(added);
            }
        }
    }

    public WitnessKey key() {
        return key;
    }

    /** The {@code add-checkpoint} call, the request body as received. */
    public synchronized Answer addCheckpoint(byte[] body) {
        if (body.length > MAX_BODY) {
            return Answer.text(400, "the request is too large\n");
        }
        String text = new String(body, StandardCharsets.UTF_8);
        int blank = text.indexOf("\n\n");
        if (blank < 0) {
            return Answer.text(400, "the request has no empty line before the checkpoint\n");
        }
        String[] head = text.substring(0, blank).split("\n", -1);
        String note = text.substring(blank + 2);
        if (!head[0].matches("old (0|[1-9][0-9]{0,18})")) {
            return Answer.text(400, "the first line reads 'old <size>'\n");
        }
        long old;
        List<Hash> proof = new ArrayList<>();
        try {
            old = Long.parseLong(head[0].substring(4));
            if (head.length - 1 > 63) {
                return Answer.text(400, "more than 63 proof lines\n");
            }
            for (int i = 1; i < head.length; i++) {
                Hash h = Hash.fromBase64(head[i]);
                proof.add(h);
            }
        } catch (IllegalArgumentException e) {
            return Answer.text(400, "a proof line is not a base64 SHA-256 hash\n");
        }
        CheckpointNote checkpoint;
        String noteText;
        try {
            noteText = SignedNote.parse(note).text();
            checkpoint = CheckpointNote.parse(noteText);
        } catch (InvalidProofException e) {
            return Answer.text(400, "not a checkpoint: " + e.getMessage() + "\n");
        }
        List<NoteVerifier> trusted = logs.get(checkpoint.origin());
        if (trusted == null) {
            return Answer.text(404, "unknown log\n");
        }
        if (trusted.stream().noneMatch(v -> opens(note, v))) {
            return Answer.text(403, "no signature of a key trusted for this log\n");
        }
        if (old > checkpoint.treeSize()) {
            return Answer.text(400, "the old size is larger than the checkpoint's\n");
        }
        Optional<CheckpointNote> latest;
        try {
            latest = latest(checkpoint.origin());
        } catch (IOException | InvalidProofException e) {
            return Answer.text(500, "the witness cannot read its state\n");
        }
        long latestSize = latest.map(CheckpointNote::treeSize).orElse(0L);
        if (old != latestSize) {
            return new Answer(409, "text/x.tlog.size", latestSize + "\n");
        }
        if (latest.isEmpty()) {
            if (!proof.isEmpty()) {
                return Answer.text(422, "the proof from size 0 must be empty\n");
            }
        } else if (old == checkpoint.treeSize()) {
            if (!latest.get().rootHash().equals(checkpoint.rootHash())) {
                return Answer.text(409, "a different root for the size cosigned last\n");
            }
        } else {
            Hash oldRoot = latest.get().rootHash();
            try {
                LogVerifier.verifyConsistency(old, checkpoint.treeSize(), oldRoot, checkpoint.rootHash(), proof);
            } catch (InvalidProofException e) {
                return Answer.text(422, "the consistency proof does not verify: " + e.getMessage() + "\n");
            }
        }
        if (latest.isEmpty() && checkpoint.treeSize() == 0 && !checkpoint.rootHash().equals(MerkleTree.emptyRoot())) {
            return Answer.text(422, "the empty tree's root is SHA-256 of nothing\n");
        }
        try {
            writeAtomically(stateFile(checkpoint.origin()), noteText);
        } catch (IOException e) {
            return Answer.text(500, "the witness cannot persist its state\n");
        }
        return Answer.text(200, cosign(noteText));
    }

    /** The latest checkpoint cosigned for this log, from disk. */
    public Optional<CheckpointNote> latest(String origin) throws IOException, InvalidProofException {
        try {
            return Optional.of(CheckpointNote.parse(Files.readString(stateFile(origin), StandardCharsets.UTF_8)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    String cosign(String noteText) {
        long now = clock.instant().getEpochSecond();
        try {
            return key.signatureLine(now, signer.sign(WitnessKey.signedMessage(noteText, now)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    private static boolean opens(String note, NoteVerifier verifier) {
        try {
            SignedNote.open(note, verifier);
            return true;
        } catch (InvalidProofException e) {
            return false;
        }
    }

    private Path stateFile(String origin) {
        // The origin is the log's free-form name; its hash is a safe file name.
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(origin.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return stateDir.resolve(HexFormat.of().formatHex(digest) + ".checkpoint");
    }

    /** Write a temporary file, force it to the disk, rename it over the old one, and force the directory. */
    static void writeAtomically(Path file, String content) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the state directory cannot rename atomically", e);
        }
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some platforms cannot open a directory to force it; the rename itself is still atomic.
        }
    }
}
