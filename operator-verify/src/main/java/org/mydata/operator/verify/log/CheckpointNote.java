package org.mydata.operator.verify.log;

import java.util.List;
import java.util.Objects;

/**
 * A checkpoint as a C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note text is the
 * origin line, the tree size in decimal, the base64 root hash, each ending in a newline, and the
 * operator signs it as a signed note. Witnesses that already speak this format can then check and
 * cosign our tree heads without knowing anything else about the operator.
 */
public record CheckpointNote(String origin, long treeSize, Hash rootHash, List<String> extensions) {
    public CheckpointNote {
        if (origin == null || origin.isEmpty() || origin.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a checkpoint origin must be one non-empty line");
        }
        if (treeSize < 0) {
            throw new IllegalArgumentException("tree size must not be negative");
        }
        Objects.requireNonNull(rootHash, "rootHash");
        extensions = List.copyOf(extensions);
    }

    public CheckpointNote(String origin, long treeSize, Hash rootHash) {
        this(origin, treeSize, rootHash, List.of());
    }

    /** The note text, the bytes the signature covers. We write no extension lines: monitors cannot audit them. */
    public String text() {
        StringBuilder b = new StringBuilder()
                .append(origin).append('\n')
                .append(treeSize).append('\n')
                .append(rootHash.base64()).append('\n');
        for (String extension : extensions) {
            b.append(extension).append('\n');
        }
        return b.toString();
    }

    /** The signed note, with the origin as the key name as the specification recommends. */
    public String sign(NoteSigner signer) {
        return SignedNote.sign(text(), signer);
    }

    /** Verifies a signed checkpoint note with the log's key and reads it; the origin must be the expected one. */
    public static CheckpointNote open(String note, String expectedOrigin, NoteVerifier verifier)
            throws InvalidProofException {
        CheckpointNote checkpoint = parse(SignedNote.open(note, verifier));
        if (!checkpoint.origin().equals(expectedOrigin)) {
            throw new InvalidProofException("the checkpoint is for log '" + checkpoint.origin() + "', not '"
                    + expectedOrigin + "'");
        }
        return checkpoint;
    }

    /** Reads a checkpoint note text (not its signatures), strictly. */
    public static CheckpointNote parse(String text) throws InvalidProofException {
        if (!text.endsWith("\n")) {
            throw new InvalidProofException("a checkpoint text ends with a newline");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        if (lines.length < 3) {
            throw new InvalidProofException("a checkpoint has at least three lines: origin, size, root hash");
        }
        for (String line : lines) {
            if (line.isEmpty()) {
                throw new InvalidProofException("a checkpoint has no empty lines");
            }
        }
        String size = lines[1];
        if (!size.matches("0|[1-9][0-9]{0,18}")) {
            throw new InvalidProofException("the checkpoint's tree size '" + size + "' is not a decimal without "
                    + "leading zeroes");
        }
        long treeSize;
        try {
            treeSize = Long.parseLong(size);
        } catch (NumberFormatException e) {
            throw new InvalidProofException("the checkpoint's tree size is out of range", e);
        }
        Hash root;
        try {
            root = Hash.fromBase64(lines[2]);
        } catch (IllegalArgumentException e) {
            throw new InvalidProofException("the checkpoint's root hash is not a base64 SHA-256 hash", e);
        }
        if (!root.base64().equals(lines[2])) {
            throw new InvalidProofException("the checkpoint's root hash is not in canonical base64");
        }
        return new CheckpointNote(lines[0], treeSize, root, List.of(lines).subList(3, lines.length));
    }
}
