package org.mydata.operator.log;

import org.mydata.operator.verify.log.CheckpointNote;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.InvalidProofException;
import org.mydata.operator.verify.log.MemoryTree;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.verify.testing.NaiveMerkle;
import org.mydata.operator.verify.log.NoteVerifier;
import org.mydata.operator.verify.log.SignedNote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SignedNoteTest {
    // The example key and note of Go's golang.org/x/mod/sumdb/note documentation, an independent
    // implementation of the same format: signing key "PRIVATE+KEY+PeterNeumann+c74f20a3+<base64(0x01 || seed)>".
    private static final String GO_SKEY_KEY = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private static final String GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private static final String GO_TEXT = "If you think cryptography is the answer to your problem,\n"
            + "then you don't know what your problem is.\n";
    private static final String GO_NOTE = GO_TEXT + "\n"
            + "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    private static Ed25519NoteSigner goSigner() {
        byte[] typed = Base64.getDecoder().decode(GO_SKEY_KEY);
        assertThat(typed[0]).isEqualTo((byte) 1);
        return TestNoteSigners.fromSeed("PeterNeumann", Arrays.copyOfRange(typed, 1, typed.length));
    }

    @Test
    void signsExactlyAsTheGoReferenceImplementation() {
        Ed25519NoteSigner signer = goSigner();
        assertThat(signer.keyId()).isEqualTo(0xc74f20a3);
        assertThat(signer.verifier().verifierKey()).isEqualTo(GO_VKEY);
        assertThat(SignedNote.sign(GO_TEXT, signer)).isEqualTo(GO_NOTE);
    }

    @Test
    void opensTheGoReferenceNoteWithItsVerifierKey() throws Exception {
        NoteVerifier verifier = NoteVerifier.fromVerifierKey(GO_VKEY);
        assertThat(verifier.keyName()).isEqualTo("PeterNeumann");
        assertThat(SignedNote.open(GO_NOTE, verifier)).isEqualTo(GO_TEXT);
        assertThat(SignedNote.open(GO_NOTE.getBytes(StandardCharsets.UTF_8), verifier)).isEqualTo(GO_TEXT);
    }

    @Test
    void theKeyIdIsTheFirstFourBytesOfTheHashOfNameNewlineTypeAndKey() throws Exception {
        Ed25519NoteSigner signer = TestNoteSigners.fromSeed("operator.example/log", new byte[32]);
        byte[] input = ByteBuffer.allocate("operator.example/log".length() + 2 + 32)
                .put("operator.example/log".getBytes(StandardCharsets.US_ASCII)).put((byte) 0x0A).put((byte) 0x01)
                .put(signer.publicKey()).array();
        byte[] hash = NaiveMerkle.sha256(input);
        assertThat(signer.keyId()).isEqualTo(ByteBuffer.wrap(hash, 0, 4).getInt());

        String note = SignedNote.sign("hello\n", signer);
        String[] lines = note.split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).isEqualTo("hello");
        assertThat(lines[1]).isEmpty();
        assertThat(lines[2]).startsWith("\u2014 operator.example/log ");
        byte[] blob = Base64.getDecoder().decode(lines[2].substring(lines[2].lastIndexOf(' ') + 1));
        assertThat(blob).hasSize(4 + 64);
        assertThat(Arrays.copyOf(blob, 4)).isEqualTo(Arrays.copyOf(hash, 4));
        assertThat(signer.verifier().verify("hello\n".getBytes(StandardCharsets.UTF_8),
                Arrays.copyOfRange(blob, 4, blob.length))).isTrue();
    }

    @Test
    void tamperingIsDetected() {
        NoteVerifier verifier = NoteVerifier.fromVerifierKey(GO_VKEY);
        assertRejected(GO_NOTE.replace("cryptography", "cryptographY"), verifier, "does not verify");
        assertRejected(GO_NOTE.replace("x08go/ZJ", "x08go/ZK"), verifier, "does not verify");
        // a signature under the right name but another key ID is someone else's: ignored, so none is left
        assertRejected(GO_NOTE.replace("x08go/", "x09go/"), verifier, "no signature");
        assertRejected(GO_NOTE.replace("\u2014 PeterNeumann", "\u2014 PeterNeumann2"), verifier, "no signature");
        assertRejected(GO_NOTE.replace("\u2014 ", "-- "), verifier, "em dash");
        assertRejected(GO_NOTE.replace("\n\n", "\n"), verifier, "blank line");
        assertRejected(GO_NOTE.substring(0, GO_NOTE.length() - 1), verifier, "newline");
        assertRejected(GO_NOTE.replace("problem,", "problem,\t"), verifier, "control");
        assertRejected(GO_NOTE.replace("ZJkuBS9UG", "ZJku!S9UG"), verifier, "base64");
    }

    @Test
    void otherKeysSignaturesAreIgnoredLikeAWitnessCosignature() throws Exception {
        Ed25519NoteSigner witness = TestNoteSigners.fromSeed("witness.example/w1", new byte[32]);
        String cosigned = GO_NOTE + SignedNote.sign(GO_TEXT, witness).substring(GO_TEXT.length() + 1);
        assertThat(SignedNote.open(cosigned, NoteVerifier.fromVerifierKey(GO_VKEY))).isEqualTo(GO_TEXT);
        assertThat(SignedNote.open(cosigned, witness.verifier())).isEqualTo(GO_TEXT);
        assertRejected(SignedNote.sign(GO_TEXT, witness), NoteVerifier.fromVerifierKey(GO_VKEY), "no signature");
    }

    @Test
    void invalidKeyNamesTextsAndVerifierKeysAreRefused() {
        assertThatThrownBy(() -> TestNoteSigners.fromSeed("has space", new byte[32]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TestNoteSigners.fromSeed("has+plus", new byte[32]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TestNoteSigners.fromSeed("", new byte[32])).isInstanceOf(IllegalArgumentException.class);
        Ed25519NoteSigner signer = goSigner();
        assertThatThrownBy(() -> SignedNote.sign("no final newline", signer)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SignedNote.sign("bell\u0007\n", signer)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NoteVerifier.fromVerifierKey(GO_VKEY.replace("c74f20a3", "c74f20a4")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NoteVerifier.fromVerifierKey("PeterNeumann+c74f20a3"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SignedNote.open(new byte[] {'a', '\n', '\n', (byte) 0xff, '\n'},
                NoteVerifier.fromVerifierKey(GO_VKEY))).hasMessageContaining("UTF-8");
    }

    @Test
    void aNimbusEd25519KeySignsNotesThatItsPublicJwkVerifies() throws Exception {
        OctetKeyPair key = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        Ed25519NoteSigner signer = TestNoteSigners.fromSeed("operator.example/log", key.getDecodedD());
        String note = SignedNote.sign("a\nb\n", signer);
        assertThat(SignedNote.open(note, NoteVerifier.fromJwk("operator.example/log", key.toPublicJWK())))
                .isEqualTo("a\nb\n");
        OctetKeyPair other = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        assertRejected(note, NoteVerifier.fromJwk("operator.example/log", other.toPublicJWK()), "no signature");
    }

    @Test
    void checkpointNotesFollowTlogCheckpoint() throws Exception {
        Ed25519NoteSigner signer = TestNoteSigners.fromSeed("operator.example/log", new byte[32]);
        Hash root = MemoryTree.of(NaiveMerkle.entries(3)).root();
        String note = new CheckpointNote("operator.example/log", 3, root).sign(signer);
        assertThat(note).startsWith("operator.example/log\n3\n" + root.base64() + "\n\n\u2014 operator.example/log ");
        CheckpointNote opened = CheckpointNote.open(note, "operator.example/log", signer.verifier());
        assertThat(opened.treeSize()).isEqualTo(3);
        assertThat(opened.rootHash()).isEqualTo(root);

        assertThatThrownBy(() -> CheckpointNote.open(note, "other.example/log", signer.verifier()))
                .hasMessageContaining("not 'other.example/log'");
        assertThatThrownBy(() -> CheckpointNote.open(note.replace("\n3\n", "\n4\n"), "operator.example/log",
                signer.verifier())).isInstanceOf(InvalidProofException.class);
        assertThatThrownBy(() -> CheckpointNote.parse("o\n03\n" + root.base64() + "\n")).hasMessageContaining("leading");
        assertThatThrownBy(() -> CheckpointNote.parse("o\n3\n")).hasMessageContaining("three lines");
        assertThatThrownBy(() -> CheckpointNote.parse("o\n3\nnot-base64\n")).hasMessageContaining("base64");
        assertThat(CheckpointNote.parse("o\n0\n" + MerkleTree.emptyRoot().base64() + "\n").treeSize()).isZero();
    }

    private static void assertRejected(String note, NoteVerifier verifier, String reason) {
        assertThatThrownBy(() -> SignedNote.open(note, verifier))
                .isInstanceOf(InvalidProofException.class)
                .hasMessageContaining(reason);
    }
}
