package org.mydata.operator.verify.log;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The C2SP signed-note wire format (https://c2sp.org/signed-note): a text ending in a newline, a blank
 * line, then one line per signature: em dash, space, key name, space, base64(4-byte key ID || signature),
 * newline. The signature covers the text including its final newline but not the blank line.
 */
public final class SignedNote {
    /** U+2014 EM DASH and a space: the start of every signature line. */
    static final String SIGNATURE_PREFIX = "\u2014 ";
    /** The specification asks verifiers to accept at least 16; Go's sumdb/note stops at 100. */
    static final int MAX_SIGNATURES = 100;

    private SignedNote() {
    }

    /** Signs a text and returns the whole note. */
    public static String sign(String text, NoteSigner signer) {
        requireText(text);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        byte[] signature = signer.sign(bytes);
        return text + "\n" + signatureLine(NoteKeys.requireName(signer.keyName()), signer.keyId(), signature);
    }

    static String signatureLine(String keyName, int keyId, byte[] signature) {
        byte[] blob = ByteBuffer.allocate(4 + signature.length).putInt(keyId).put(signature).array();
        return SIGNATURE_PREFIX + keyName + " " + Base64.getEncoder().encodeToString(blob) + "\n";
    }

    /** As {@link #open(String, NoteVerifier)}, for a note as received: bytes that must be strict UTF-8. */
    public static String open(byte[] note, NoteVerifier verifier) throws InvalidProofException {
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(note))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidProofException("the note is not valid UTF-8", e);
        }
        return open(decoded, verifier);
    }

    /**
     * Verifies the note with a known key and returns its text. Signatures from other keys (a witness's
     * cosignature, a retired key) are skipped as the specification requires; a signature that claims
     * the known key's name and ID but does not verify rejects the whole note.
     */
    public static String open(String note, NoteVerifier verifier) throws InvalidProofException {
        Parsed parsed = parse(note);
        byte[] textBytes = parsed.text().getBytes(StandardCharsets.UTF_8);
        boolean verified = false;
        for (Signature sig : parsed.signatures()) {
            if (!sig.keyName().equals(verifier.keyName()) || sig.keyId() != verifier.keyId()) {
                continue;
            }
            if (!verifier.verify(textBytes, sig.signature())) {
                throw new InvalidProofException("the signature of " + sig.keyName() + " does not verify over the note");
            }
            verified = true;
        }
        if (!verified) {
            throw new InvalidProofException("the note carries no signature of " + verifier.keyName() + " (key ID "
                    + String.format("%08x", verifier.keyId()) + ")");
        }
        return parsed.text();
    }

    /** A note split into its text and its signature lines, none of them verified yet. */
    public record Parsed(String text, List<Signature> signatures) {
        public Parsed {
            signatures = List.copyOf(signatures);
        }
    }

    /** One signature line: key name, key ID, and the signature bytes after the ID. */
    public record Signature(String keyName, int keyId, byte[] signature) {
        public Signature {
            signature = signature.clone();
        }

        @Override
        public byte[] signature() {
            return signature.clone();
        }

        /** The line as the note carries it, newline included. */
        public String line() {
            return signatureLine(keyName, keyId, signature);
        }
    }

    /** Splits a note into text and signature lines, strictly as the format says; verifies nothing. */
    public static Parsed parse(String note) throws InvalidProofException {
        if (note == null || note.isEmpty()) {
            throw new InvalidProofException("the note is empty");
        }
        for (int i = 0; i < note.length(); i++) {
            char ch = note.charAt(i);
            if (ch < 0x20 && ch != '\n') {
                throw new InvalidProofException("the note holds a control character");
            }
            if (Character.isSurrogate(ch) && !(Character.isHighSurrogate(ch) && i + 1 < note.length()
                    && Character.isLowSurrogate(note.charAt(++i)))) {
                throw new InvalidProofException("the note is not valid UTF-8");
            }
        }
        int split = note.lastIndexOf("\n\n");
        if (split < 0) {
            throw new InvalidProofException("the note has no blank line before its signatures");
        }
        String text = note.substring(0, split + 1);
        String signatures = note.substring(split + 2);
        if (signatures.isEmpty() || !signatures.endsWith("\n")) {
            throw new InvalidProofException("the note's signature block is empty or not newline-terminated");
        }
        String[] lines = signatures.substring(0, signatures.length() - 1).split("\n", -1);
        if (lines.length > MAX_SIGNATURES) {
            throw new InvalidProofException("the note carries more than " + MAX_SIGNATURES + " signatures");
        }
        List<Signature> parsed = new ArrayList<>(lines.length);
        for (String line : lines) {
            parsed.add(parseLine(line));
        }
        return new Parsed(text, parsed);
    }

    /** Parses one signature line without its newline. */
    public static Signature parseLine(String line) throws InvalidProofException {
        if (!line.startsWith(SIGNATURE_PREFIX)) {
            throw new InvalidProofException("a note signature line must start with an em dash and a space");
        }
        String rest = line.substring(SIGNATURE_PREFIX.length());
        int space = rest.indexOf(' ');
        if (space <= 0 || rest.indexOf(' ', space + 1) >= 0) {
            throw new InvalidProofException("a note signature line reads '\u2014 <key name> <signature>'");
        }
        String name = rest.substring(0, space);
        if (!NoteKeys.isValidName(name)) {
            throw new InvalidProofException("a note signature names an invalid key '" + name + "'");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(rest.substring(space + 1));
        } catch (IllegalArgumentException e) {
            throw new InvalidProofException("a note signature is not valid base64", e);
        }
        if (blob.length < 5) {
            throw new InvalidProofException("a note signature is too short to hold a key ID and a signature");
        }
        int keyId = ByteBuffer.wrap(blob, 0, 4).getInt();
        byte[] signature = Arrays.copyOfRange(blob, 4, blob.length);
        return new Signature(name, keyId, signature);
    }

    private static void requireText(String text) {
        if (text == null || text.isEmpty() || !text.endsWith("\n")) {
            throw new IllegalArgumentException("a note text must be non-empty and end with a newline");
        }
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch < 0x20 && ch != '\n') {
                throw new IllegalArgumentException("a note text must not hold control characters other than newline");
            }
            if (Character.isSurrogate(ch) && !(Character.isHighSurrogate(ch) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(++i)))) {
                throw new IllegalArgumentException("a note text must be valid Unicode");
            }
        }
    }
}
