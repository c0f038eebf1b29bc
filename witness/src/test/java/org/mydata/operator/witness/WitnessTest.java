package org.mydata.operator.witness;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.crypto.tink.subtle.Ed25519Sign;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.verify.audit.Check;
import org.mydata.operator.verify.audit.CheckpointNotes;
import org.mydata.operator.verify.audit.Witnessed;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.CheckpointNote;
import org.mydata.operator.verify.log.EntryBundle;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.MemoryTree;
import org.mydata.operator.verify.log.NoteKeys;
import org.mydata.operator.verify.log.NoteSigner;
import org.mydata.operator.verify.log.NoteVerifier;
import org.mydata.operator.verify.log.Tile;
import org.mydata.operator.verify.log.TileHashes;
import org.mydata.operator.verify.log.TileReader;
import org.mydata.operator.verify.log.WitnessKey;
import org.mydata.operator.verify.log.WitnessPolicy;
import org.mydata.operator.verify.VerifyCommand;

/**
 * The project's witness over real HTTP, and the split view it exists to catch: one operator key signs two logs
 * that share a prefix and then differ; the witness cosigns the first and refuses the second, across a restart;
 * a verifier without a witness policy believes either, one that requires the witness rejects the fork.
 */
class WitnessTest {
    static final String ORIGIN = "operator.example/mydata-log";
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private NoteSigner operatorKey;
    private String operatorVkey;
    private JWKSet jwks;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void operatorKey() throws Exception {
        byte[] seed = new byte[32];
        seed[0] = 7;
        byte[] publicKey = Ed25519Sign.KeyPair.newKeyPairFromSeed(seed).getPublicKey();
        Ed25519Sign sign = new Ed25519Sign(seed);
        operatorKey = new NoteSigner() {
            @Override
            public String keyName() {
                return ORIGIN;
            }

            @Override
            public int keyId() {
                return NoteKeys.ed25519KeyId(ORIGIN, publicKey);
            }

            @Override
            public byte[] sign(byte[] text) {
                try {
                    return sign.sign(text);
                } catch (java.security.GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        operatorVkey = NoteVerifier.ed25519(ORIGIN, publicKey).verifierKey();
        jwks = new JWKSet(new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(publicKey)).keyID("operator-1")
                .build());
    }

    @Test
    void cosignsOnlyConsistentCheckpointsAndRemembersAcrossARestart() throws Exception {
        MemoryTree honest = tree(12, "honest");
        MemoryTree fork = fork(honest, 5, 12);
        WitnessServer server = WitnessServer.start(Witness.open(dir.resolve("w"), "witness.example/w1",
                List.of(operatorVkey), CLOCK), 0);
        WitnessKey witnessKey;
        try {
            witnessKey = server.witness().key();
            assertThat(get(server.url() + "/")).isEqualTo(witnessKey.verifierKey() + "\n");
            assertThat(add(server, 0, List.of(), note(honest, 5)).statusCode()).isEqualTo(200);
            HttpResponse<String> ten = add(server, 5, honest.consistencyProof(5, 10), note(honest, 10));
            assertThat(ten.statusCode()).isEqualTo(200);
            assertThat(ten.body()).startsWith("\u2014 witness.example/w1 ").endsWith("\n");
            String cosigned = note(honest, 10) + ten.body();
            assertThat(new WitnessPolicy(List.of(witnessKey), 1).cosigners(cosigned))
                    .containsExactly("witness.example/w1");

            // The fork shares the first five entries: consistent with size 5, not with the 10 the witness saw.
            HttpResponse<String> forked = add(server, 10, fork.consistencyProof(10, 12), note(fork, 12));
            assertThat(forked.statusCode()).as(forked.body()).isEqualTo(422);
            HttpResponse<String> stale = add(server, 5, fork.consistencyProof(5, 12), note(fork, 12));
            assertThat(stale.statusCode()).isEqualTo(409);
            assertThat(stale.headers().firstValue("Content-Type")).hasValue("text/x.tlog.size");
            assertThat(stale.body()).isEqualTo("10\n");
            assertThat(add(server, 11, List.of(), note(honest, 10)).statusCode()).as("old past the size").isEqualTo(400);
            assertThat(add(server, 10, List.of(), note(fork(honest, 0, 10), 10)).statusCode())
                    .as("another root for the same size").isEqualTo(409);
            String strange = new CheckpointNote("other.example/log", 1, honest.root(1)).sign(operatorKey);
            assertThat(add(server, 0, List.of(), strange).statusCode()).as("unknown log").isEqualTo(404);
            String unsigned = note(honest, 12).replace("\u2014 " + ORIGIN, "\u2014 someone.else");
            assertThat(add(server, 10, honest.consistencyProof(10, 12), unsigned).statusCode()).isEqualTo(403);
        } finally {
            server.close();
        }

        // Restarted from its directory: the same key, the same memory.
        try (WitnessServer again = WitnessServer.start(Witness.open(dir.resolve("w"), "witness.example/w1",
                List.of(operatorVkey), CLOCK), 0)) {
            assertThat(again.witness().key().verifierKey()).isEqualTo(witnessKey.verifierKey());
            assertThat(add(again, 10, fork.consistencyProof(10, 12), note(fork, 12)).statusCode()).isEqualTo(422);
            HttpResponse<String> twelve = add(again, 10, honest.consistencyProof(10, 12), note(honest, 12));
            assertThat(twelve.statusCode()).isEqualTo(200);

            // Two verifiers, each shown one of the two logs, both signed with the operator's one key.
            Path honestMirror = mirror(honest, note(honest, 12) + twelve.body(), "honest");
            Path forkMirror = mirror(fork, note(fork, 12), "fork");
            String witnessVkey = witnessKey.verifierKey();
            WitnessPolicy policy = new WitnessPolicy(List.of(witnessKey), 1);
            String forkNote = TileReader.of(forkMirror).checkpoint();
            assertThat(CheckpointNotes.open(jwks, forkNote, WitnessPolicy.none()).ok())
                    .as("without a witness policy the fork is believed").isTrue();
            CheckpointNotes.Opened refused = CheckpointNotes.open(jwks, forkNote, policy);
            assertThat(refused.ok()).isFalse();
            assertThat(refused.checks()).extracting(Check::name).contains("witnesses");
            CheckpointNotes.Opened witnessed = CheckpointNotes.open(jwks, TileReader.of(honestMirror).checkpoint(), policy);
            assertThat(witnessed.ok()).as(witnessed.checks().toString()).isTrue();

            // A receipt included under a checkpoint of the fork is not on the witnessed history; one of the honest log is.
            CheckpointNote seen = witnessed.checkpoint().orElseThrow();
            TileReader tiles = TileReader.of(honestMirror);
            Check forkReceipt = Witnessed.consistency(receiptCheckpoint(fork, 11), seen, tiles.subtrees(12));
            assertThat(forkReceipt.passed()).isFalse();
            assertThat(forkReceipt.detail()).contains("split view");
            assertThat(Witnessed.consistency(receiptCheckpoint(honest, 11), seen, tiles.subtrees(12)).passed()).isTrue();
            assertThat(Witnessed.consistency(receiptCheckpoint(honest, 12), seen, tiles.subtrees(12)).passed()).isTrue();

            // The command says the same: the fork's checkpoint fails the witness policy, nothing else is believed.
            Path jwksFile = Files.writeString(dir.resolve("jwks.json"), jwks.toString(true));
            String out = verify(VerifyCommand.FAILED, "log", "--tiles", forkMirror.toString(), "--jwks",
                    jwksFile.toString(), "--witness", witnessVkey);
            assertThat(out).contains("FAIL  witnesses").contains("0 valid cosignatures");
            assertThat(verify(VerifyCommand.USAGE, "log", "--tiles", forkMirror.toString(), "--jwks", jwksFile.toString(),
                    "--witness", witnessVkey, "--witnesses-required", "2")).contains("--witnesses-required");
        }
    }

    @Test
    void theStateIsReplacedWholeOrNotAtAll() throws Exception {
        Path file = dir.resolve("state");
        Witness.writeAtomically(file, "one\n");
        Witness.writeAtomically(file, "two\n");
        assertThat(Files.readString(file)).isEqualTo("two\n");
        assertThat(Files.list(dir).map(p -> p.getFileName().toString())).containsExactly("state");
    }

    // ---- fixtures --------------------------------------------------------------------------------------

    private static MemoryTree tree(int size, String name) {
        MemoryTree t = new MemoryTree();
        for (int i = 0; i < size; i++) {
            t.append((name + " " + i).getBytes(StandardCharsets.UTF_8));
        }
        return t;
    }

    /** The same first {@code shared} entries, then others. */
    private static MemoryTree fork(MemoryTree of, int shared, int size) {
        MemoryTree t = new MemoryTree();
        for (int i = 0; i < size; i++) {
            t.append(((i < shared ? "honest " : "fork ") + i).getBytes(StandardCharsets.UTF_8));
        }
        assertThat(t.root(Math.max(shared, 1))).isNotNull();
        return t;
    }

    private static Checkpoint receiptCheckpoint(MemoryTree t, long size) {
        return new Checkpoint(size, t.root(size), CLOCK.instant(), "the JWS is not what this check reads");
    }

    private String note(MemoryTree t, long size) {
        return new CheckpointNote(ORIGIN, size, t.root(size)).sign(operatorKey);
    }

    private Path mirror(MemoryTree t, String checkpoint, String name) throws Exception {
        Path root = dir.resolve(name);
        Files.createDirectories(root);
        Files.writeString(root.resolve("checkpoint"), checkpoint);
        for (Tile tile : Tile.allInTree(t.size())) {
            Path file = root.resolve(tile.path());
            Files.createDirectories(file.getParent());
            Files.write(file, TileHashes.encode(TileHashes.of(tile, t)));
            if (tile.level() == 0) {
                Path bundle = root.resolve(tile.entriesPath());
                Files.createDirectories(bundle.getParent());
                List<byte[]> none = new ArrayList<>();
                for (int i = 0; i < tile.width(); i++) {
                    none.add(null);
                }
                Files.write(bundle, EntryBundle.encode(none));
            }
        }
        return root;
    }

    private HttpResponse<String> add(WitnessServer server, long old, List<Hash> proof, String note) throws Exception {
        StringBuilder body = new StringBuilder("old ").append(old).append('\n');
        proof.forEach(h -> body.append(h.base64()).append('\n'));
        body.append('\n').append(note);
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + "/add-checkpoint"))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private String get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
    }

    private static String verify(int expectedStatus, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = VerifyCommand.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(status).as(out).isEqualTo(expectedStatus);
        return out;
    }
}
