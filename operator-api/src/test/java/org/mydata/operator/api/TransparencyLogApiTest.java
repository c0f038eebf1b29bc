package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.CheckpointNote;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.LogVerifier;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.verify.log.NoteVerifier;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;
import tools.jackson.databind.JsonNode;

/** An auditor, with only the JWKS, checks that a citizen's status records are in the operator's signed log. */
class TransparencyLogApiTest extends OperatorTestBase {

    @Test
    void everyStatusRecordIsProvablyInASignedCheckpoint() throws Exception {
        String alice = alice();
        String admin = admin();
        String demoSource = null;
        for (JsonNode s : http.get("/api/v1/sources", admin).json()) {
            if (s.get("name").asText().equals("Demo Hospital (Synthea)")) {
                demoSource = s.get("id").asText();
            }
        }
        if (!http.get("/api/v1/me/links", alice).body().contains(demoSource)) {
            http.post("/api/v1/me/links", alice, Map.of("sourceId", demoSource));
        }
        // A programme of its own: alice's consent to it is new (one live consent per programme), its chain starts at 1.
        String programme = http.post("/api/v1/programmes", admin, Map.of(
                "name", "Log programme " + java.util.UUID.randomUUID(), "description", "d", "organisation", "o",
                "purposes", List.of("dpv:ScientificResearch"),
                "scope", Map.of("resourceTypes", List.of("Observation")),
                "termsUri", "https://example.org/terms", "termsVersion", "1", "stewards", List.of("steward-demo")))
                .json().get("id").asText();
        String auditor = http.clientToken("auditor-demo", "auditor-demo-secret", "auditor");
        Checkpoint before = checkpoint(auditor, null);

        JsonNode consent = http.post("/api/v1/me/consents", alice, Map.of("programmeId", programme,
                "sourceIds", List.of(demoSource))).json();
        String id = consent.get("id").asText();
        JsonNode paused = http.post("/api/v1/me/consents/" + id + "/status", alice, Map.of("status", "paused")).json();
        JsonNode last = paused.get("statusRecord");
        assertThat(paused.has("history")).as("a status change answers without the history").isFalse();
        assertThat(last.get("sequence").asInt()).isEqualTo(2);
        long lastIndex = last.get("logIndex").asLong();

        JWKSet jwks = JWKSet.parse(http.get("/.well-known/jwks.json", null).body());
        RecordVerifier verifier = new RecordVerifier(jwks);
        VerifiedRecord csr = verifier.verify(last.get("record").asText());
        assertThat(((Number) csr.claims().get("log_index")).longValue()).isEqualTo(lastIndex);

        Checkpoint latest = awaitCheckpointCovering(auditor, lastIndex + 1);
        VerifiedRecord signed = verifier.verify(latest.jws());
        assertThat(signed.type()).isEqualTo(RecordType.CHECKPOINT);
        assertThat(Checkpoint.fromRecord(signed).rootHash()).isEqualTo(latest.rootHash());

        JsonNode history = http.get("/api/v1/me/consents/" + id, alice).json().get("history");
        assertThat(history.get(1)).isEqualTo(last);
        List<Long> indexes = new ArrayList<>(List.of(consent.get("logIndex").asLong()));
        history.forEach(h -> indexes.add(h.get("logIndex").asLong()));
        List<String> records = new ArrayList<>(List.of(consent.get("record").asText()));
        history.forEach(h -> records.add(h.get("record").asText()));
        for (int i = 0; i < indexes.size(); i++) {
            long index = indexes.get(i);
            JsonNode proof = http.get("/api/v1/audit/proofs/inclusion?index=" + index + "&size=" + latest.treeSize(),
                    auditor).json();
            List<Hash> path = new ArrayList<>();
            proof.get("audit_path").forEach(h -> path.add(Hash.fromBase64(h.asText())));
            LogVerifier.verifyInclusion(index, latest.treeSize(),
                    MerkleTree.leafHash(records.get(i).getBytes(StandardCharsets.US_ASCII)), path, latest.rootHash());
            JsonNode entry = http.get("/api/v1/audit/entries?start=" + index + "&end=" + (index + 1), auditor).json().get(0);
            assertThat(new String(Base64.getDecoder().decode(entry.get("entry").asText()), StandardCharsets.US_ASCII))
                    .isEqualTo(records.get(i));
        }

        // The log only grows: the earlier checkpoint is consistent with the latest.
        if (before != null && before.treeSize() > 0) {
            JsonNode consistency = http.get("/api/v1/audit/proofs/consistency?from=" + before.treeSize() + "&to="
                    + latest.treeSize(), auditor).json();
            List<Hash> proof = new ArrayList<>();
            consistency.get("consistency").forEach(h -> proof.add(Hash.fromBase64(h.asText())));
            LogVerifier.verifyConsistency(before.treeSize(), latest.treeSize(), before.rootHash(), latest.rootHash(), proof);
        }

        // The same checkpoint as a C2SP signed note, checked with the operator's public Ed25519 key.
        String note = http.get("/api/v1/audit/checkpoint.note", null).body();
        String activeKid = null;
        for (JsonNode key : http.get("/.well-known/jwks.json", null).json().get("keys")) {
            if (key.get("status").asText().equals("active")) {
                activeKid = key.get("kid").asText();
            }
        }
        JWK active = jwks.getKeyByKeyId(activeKid);
        CheckpointNote opened = CheckpointNote.open(note, note.lines().findFirst().orElseThrow(),
                NoteVerifier.fromJwk(note.lines().findFirst().orElseThrow(), (OctetKeyPair) active));
        assertThat(opened.treeSize()).isGreaterThanOrEqualTo(lastIndex + 1);

        assertThat(http.get("/api/v1/audit/checkpoint", alice).status()).isEqualTo(403);
        assertThat(http.get("/api/v1/audit/proofs/inclusion?index=0&size=999999999", auditor).status()).isEqualTo(404);
    }

    private Checkpoint checkpoint(String auditor, Long size) {
        OperatorHttp.Reply reply = http.get("/api/v1/audit/checkpoint" + (size == null ? "" : "?size=" + size), auditor);
        if (reply.status() == 404) {
            return null;
        }
        JsonNode c = reply.json();
        return new Checkpoint(c.get("tree_size").asLong(), Hash.fromBase64(c.get("root_hash").asText()),
                java.time.Instant.parse(c.get("iat").asText()), c.get("jws").asText());
    }

    /** The writer integrates within about a second; an auditor simply asks again. */
    private Checkpoint awaitCheckpointCovering(String auditor, long size) throws InterruptedException {
        for (int attempt = 0; attempt < 100; attempt++) {
            Checkpoint latest = checkpoint(auditor, null);
            if (latest != null && latest.treeSize() >= size) {
                return latest;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no checkpoint covered size " + size + " within 20 s");
    }
}
