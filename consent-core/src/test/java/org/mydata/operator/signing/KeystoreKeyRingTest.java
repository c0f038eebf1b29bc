package org.mydata.operator.signing;

import org.mydata.operator.verify.signing.InvalidRecordException;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.interfaces.EdECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mydata.operator.json.Json;
import org.mydata.operator.testing.MutableClock;

class KeystoreKeyRingTest {
    private static final char[] PASSWORD = "keystore-secret".toCharArray();
    private static final String ALIAS = "operator";

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2025-03-01T10:00:00Z"));

    private KeystoreKeyRing newRing(String file, SigningAlgorithm algorithm) {
        return KeystoreKeyRing.openOrCreate(dir.resolve(file), PASSWORD, ALIAS, algorithm, clock);
    }

    private static RecordVerifier verifierFor(KeyRing ring) {
        return new RecordVerifier(Jwks.toJwkSet(ring.publicKeys()));
    }

    private static Map<String, Object> sampleClaims() {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("slr_id", "slr-0001");
        claims.put("surrogate_id", "pat-1");
        claims.put("iat", 1_740_823_200L);
        claims.put("removed", true);
        claims.put("slr_ids", List.of("a", "b"));
        claims.put("scope", Map.of("resource_types", List.of("Observation")));
        return claims;
    }

    // ---------------------------------------------------------------- creation and reopening

    @Test
    void openOrCreateMakesAnEd25519Pkcs12KeystoreOwnerReadableOnly() throws Exception {
        Path file = dir.resolve("nested/dir/operator.p12");
        KeystoreKeyRing ring = KeystoreKeyRing.openOrCreate(file, PASSWORD, ALIAS, SigningAlgorithm.EDDSA, clock);

        assertThat(file).isRegularFile();
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD);
        }
        assertThat(Collections.list(store.aliases())).containsExactly(ALIAS);
        assertThat(store.isKeyEntry(ALIAS)).isTrue();
        assertThat(store.getKey(ALIAS, PASSWORD)).isInstanceOf(EdECPrivateKey.class);
        // no stray temporary files beside the keystore
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("operator.p12");
        }

        List<PublishedKey> keys = ring.publicKeys();
        assertThat(keys).hasSize(1);
        assertThat(keys.get(0).status()).isEqualTo(KeyStatus.ACTIVE);
        assertThat(keys.get(0).publicJwk()).isInstanceOf(OctetKeyPair.class);
        assertThat(((OctetKeyPair) keys.get(0).publicJwk()).getCurve()).isEqualTo(Curve.Ed25519);
        assertThat(keys.get(0).publicJwk().isPrivate()).isFalse();
        assertThat(keys.get(0).keyId()).isEqualTo(ring.activeKeyId()).isNotBlank();
    }

    @Test
    void reopeningKeepsTheSameKeyAndKid() {
        Path file = dir.resolve("operator.p12");
        KeystoreKeyRing first = KeystoreKeyRing.openOrCreate(file, PASSWORD, ALIAS, SigningAlgorithm.EDDSA, clock);
        String record = first.sign(RecordType.CONSENT, sampleClaims());

        KeystoreKeyRing again = KeystoreKeyRing.openOrCreate(file, PASSWORD, ALIAS, SigningAlgorithm.EDDSA, clock);
        // asking for another algorithm does not replace an existing key
        KeystoreKeyRing reopened = KeystoreKeyRing.open(file, PASSWORD, ALIAS, SigningAlgorithm.ES256, clock);

        assertThat(again.activeKeyId()).isEqualTo(first.activeKeyId());
        assertThat(reopened.activeKeyId()).isEqualTo(first.activeKeyId());
        assertThat(reopened.publicKeys()).hasSize(1);
        assertThat(reopened.publicKeys().get(0).publicJwk()).isEqualTo(first.publicKeys().get(0).publicJwk());
        // a record signed before the restart verifies against the keys after it
        assertThat(verifierFor(reopened)).satisfies(v -> assertThat(v.verify(record).keyId()).isEqualTo(first.activeKeyId()));
    }

    @Test
    void openFailsForAMissingKeystoreAWrongPasswordOrAnAliasWithoutKey() {
        Path file = dir.resolve("operator.p12");
        assertThatThrownBy(() -> KeystoreKeyRing.open(file, PASSWORD, ALIAS, SigningAlgorithm.EDDSA, clock))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not exist");
        KeystoreKeyRing.openOrCreate(file, PASSWORD, ALIAS, SigningAlgorithm.EDDSA, clock);
        assertThatThrownBy(() -> KeystoreKeyRing.open(file, "wrong".toCharArray(), ALIAS, SigningAlgorithm.EDDSA, clock))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot be opened");
        assertThatThrownBy(() -> KeystoreKeyRing.open(file, PASSWORD, "someone-else", SigningAlgorithm.EDDSA, clock))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("holds no private key");
    }

    // ---------------------------------------------------------------- sign and verify

    @ParameterizedTest
    @EnumSource(RecordType.class)
    void signedRecordsVerifyWithTheirTypeAndClaims(RecordType type) throws Exception {
        KeystoreKeyRing ring = newRing("operator.p12", SigningAlgorithm.EDDSA);
        String compact = ring.sign(type, sampleClaims());

        JWSObject parsed = JWSObject.parse(compact);
        assertThat(parsed.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
        assertThat(parsed.getHeader().getKeyID()).isEqualTo(ring.activeKeyId());
        assertThat(parsed.getHeader().getType()).isEqualTo(new JOSEObjectType(type.mediaType()));

        VerifiedRecord verified = verifierFor(ring).verify(compact);
        assertThat(verified.type()).isEqualTo(type);
        assertThat(verified.keyId()).isEqualTo(ring.activeKeyId());
        assertThat(verified.compact()).isEqualTo(compact);
        assertThat(verified.claims())
                .containsEntry("slr_id", "slr-0001")
                .containsEntry("surrogate_id", "pat-1")
                .containsEntry("removed", true)
                .containsEntry("slr_ids", List.of("a", "b"))
                .containsEntry("scope", Map.of("resource_types", List.of("Observation")));
        assertThat(((Number) verified.claims().get("iat")).longValue()).isEqualTo(1_740_823_200L);
    }

    @Test
    void recordTypesHaveDistinctMediaTypesThatRoundTrip() {
        assertThat(Arrays.stream(RecordType.values()).map(RecordType::mediaType).distinct().count())
                .isEqualTo(RecordType.values().length);
        for (RecordType type : RecordType.values()) {
            assertThat(RecordType.fromMediaType(type.mediaType())).contains(type);
        }
        assertThat(RecordType.SERVICE_LINK.mediaType()).isEqualTo("slr+jwt");
        assertThat(RecordType.CONSENT.mediaType()).isEqualTo("cr+jwt");
        assertThat(RecordType.CONSENT_STATUS.mediaType()).isEqualTo("csr+jwt");
        assertThat(RecordType.fromMediaType("JWT")).isEmpty();
    }

    @Test
    void aTamperedPayloadByteDoesNotVerify() {
        KeystoreKeyRing ring = newRing("operator.p12", SigningAlgorithm.EDDSA);
        String compact = ring.sign(RecordType.SERVICE_LINK, sampleClaims());
        String[] parts = compact.split("\\.");
        byte[] payload = Base64URL.from(parts[1]).decode();
        String json = new String(payload, StandardCharsets.UTF_8);
        int at = json.indexOf("pat-1") + 4;
        payload[at] = (byte) '2'; // pat-1 -> pat-2: still valid JSON, one byte changed
        assertThat(new String(payload, StandardCharsets.UTF_8)).contains("pat-2");
        String tampered = parts[0] + "." + Base64URL.encode(payload) + "." + parts[2];

        assertThatThrownBy(() -> verifierFor(ring).verify(tampered))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("does not verify");
    }

    @Test
    void aSwappedTypHeaderDoesNotVerify() {
        KeystoreKeyRing ring = newRing("operator.p12", SigningAlgorithm.EDDSA);
        String compact = ring.sign(RecordType.CONSENT_STATUS, sampleClaims());
        String[] parts = compact.split("\\.");
        String header = new String(Base64URL.from(parts[0]).decode(), StandardCharsets.UTF_8);
        assertThat(header).contains("csr+jwt");
        String forgedHeader = Base64URL.encode(header.replace("csr+jwt", "cr+jwt").getBytes(StandardCharsets.UTF_8)).toString();
        String forged = forgedHeader + "." + parts[1] + "." + parts[2];

        assertThatThrownBy(() -> verifierFor(ring).verify(forged)).isInstanceOf(InvalidRecordException.class);
    }

    @Test
    void aTamperedSignatureDoesNotVerify() {
        KeystoreKeyRing ring = newRing("operator.p12", SigningAlgorithm.EDDSA);
        String compact = ring.sign(RecordType.CONSENT, sampleClaims());
        String[] parts = compact.split("\\.");
        byte[] signature = Base64URL.from(parts[2]).decode();
        signature[10] ^= 0x01;
        String tampered = parts[0] + "." + parts[1] + "." + Base64URL.encode(signature);

        assertThatThrownBy(() -> verifierFor(ring).verify(tampered)).isInstanceOf(InvalidRecordException.class);
    }

    @Test
    void aRecordFromAForeignKeyRingWithTheSameAliasDoesNotVerify() throws Exception {
        KeystoreKeyRing ours = newRing("ours.p12", SigningAlgorithm.EDDSA);
        KeystoreKeyRing foreign = newRing("foreign.p12", SigningAlgorithm.EDDSA);
        assertThat(foreign.activeKeyId()).isNotEqualTo(ours.activeKeyId());

        String foreignRecord = foreign.sign(RecordType.CONSENT, sampleClaims());
        assertThatThrownBy(() -> verifierFor(ours).verify(foreignRecord))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("not in the JWKS");

        // a forger who also copies our kid into the header still fails on the signature
        OctetKeyPair forgerKey = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        String forged = signRaw(new Ed25519Signer(forgerKey), JWSAlgorithm.EdDSA, ours.activeKeyId(),
                RecordType.CONSENT.mediaType(), new Payload(sampleClaims()));
        assertThatThrownBy(() -> verifierFor(ours).verify(forged))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("does not verify");
    }

    @Test
    void anAlgorithmThatDoesNotMatchTheKeyIsRefused() throws Exception {
        KeystoreKeyRing ours = newRing("ours.p12", SigningAlgorithm.EDDSA);
        ECKey ec = new ECKeyGenerator(Curve.P_256).generate();
        String forged = signRaw(new ECDSASigner(ec), JWSAlgorithm.ES256, ours.activeKeyId(),
                RecordType.CONSENT.mediaType(), new Payload(sampleClaims()));

        assertThatThrownBy(() -> verifierFor(ours).verify(forged))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("algorithm");
    }

    @Test
    void anUnknownKidOrNoKidIsRefused() throws Exception {
        KeystoreKeyRing ours = newRing("ours.p12", SigningAlgorithm.EDDSA);
        OctetKeyPair other = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        String unknownKid = signRaw(new Ed25519Signer(other), JWSAlgorithm.EdDSA, "no-such-key",
                RecordType.CONSENT.mediaType(), new Payload(sampleClaims()));
        String noKid = signRaw(new Ed25519Signer(other), JWSAlgorithm.EdDSA, null,
                RecordType.CONSENT.mediaType(), new Payload(sampleClaims()));

        assertThatThrownBy(() -> verifierFor(ours).verify(unknownKid))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("no-such-key");
        assertThatThrownBy(() -> verifierFor(ours).verify(noKid))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("kid");
    }

    @Test
    void aRecordSignedWithTheOperatorKeyButWithoutARecordTypeIsRefused() throws Exception {
        Path file = dir.resolve("operator.p12");
        KeystoreKeyRing ring = KeystoreKeyRing.openOrCreate(file, PASSWORD, ALIAS, SigningAlgorithm.EDDSA, clock);
        JWSSigner operatorKey = new Ed25519Signer(operatorPrivateJwk(file, ring.activeKeyId()));
        RecordVerifier verifier = verifierFor(ring);

        // sanity: the key read back from the keystore does make records that verify
        String genuine = signRaw(operatorKey, JWSAlgorithm.EdDSA, ring.activeKeyId(), "slr+jwt", new Payload(sampleClaims()));
        assertThat(verifier.verify(genuine).type()).isEqualTo(RecordType.SERVICE_LINK);

        String plainJwt = signRaw(operatorKey, JWSAlgorithm.EdDSA, ring.activeKeyId(), "JWT", new Payload(sampleClaims()));
        String untyped = signRaw(operatorKey, JWSAlgorithm.EdDSA, ring.activeKeyId(), null, new Payload(sampleClaims()));
        String notAnObject = signRaw(operatorKey, JWSAlgorithm.EdDSA, ring.activeKeyId(), "cr+jwt", new Payload("[1,2,3]"));

        assertThatThrownBy(() -> verifier.verify(plainJwt))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("unknown record type");
        assertThatThrownBy(() -> verifier.verify(untyped))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("unknown record type");
        assertThatThrownBy(() -> verifier.verify(notAnObject))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("not a JSON object");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "a.b.c", "a.b", "....", "eyJhbGciOiJub25lIn0.eyJhIjoxfQ.",
            "eyJhbGciOiJFZERTQSJ9.eyJhIjoxfQ.AAAA"})
    void garbageIsAnInvalidRecord(String input) {
        KeystoreKeyRing ring = newRing("operator.p12", SigningAlgorithm.EDDSA);
        assertThatThrownBy(() -> verifierFor(ring).verify(input)).isInstanceOf(InvalidRecordException.class);
    }

    // ---------------------------------------------------------------- rotation

    @Test
    void rotationAddsANewActiveKeyAndOldRecordsKeepVerifying() throws Exception {
        Path file = dir.resolve("operator.p12");
        KeystoreKeyRing ring = KeystoreKeyRing.openOrCreate(file, PASSWORD, ALIAS, SigningAlgorithm.EDDSA, clock);
        String oldKid = ring.activeKeyId();
        RecordVerifier verifierBeforeRotation = verifierFor(ring);
        String signedBefore = ring.sign(RecordType.CONSENT, sampleClaims());

        clock.advance(Duration.ofDays(90));
        PublishedKey rotated = ring.rotate();

        assertThat(rotated.status()).isEqualTo(KeyStatus.ACTIVE);
        assertThat(rotated.keyId()).isEqualTo(ring.activeKeyId()).isNotEqualTo(oldKid);
        assertThat(ring.publicKeys()).extracting(PublishedKey::keyId).containsExactly(oldKid, rotated.keyId());
        assertThat(ring.publicKeys()).extracting(PublishedKey::status).containsExactly(KeyStatus.RETIRED, KeyStatus.ACTIVE);

        String signedAfter = ring.sign(RecordType.CONSENT, sampleClaims());
        assertThat(JWSObject.parse(signedAfter).getHeader().getKeyID()).isEqualTo(rotated.keyId());

        RecordVerifier verifierAfterRotation = verifierFor(ring);
        assertThat(verifierAfterRotation.verify(signedBefore).keyId()).isEqualTo(oldKid);
        assertThat(verifierAfterRotation.verify(signedAfter).keyId()).isEqualTo(rotated.keyId());
        // an auditor still holding the old JWKS cannot check the new key's records: they must refetch
        assertThatThrownBy(() -> verifierBeforeRotation.verify(signedAfter)).isInstanceOf(InvalidRecordException.class);

        KeystoreKeyRing reopened = KeystoreKeyRing.open(file, PASSWORD, ALIAS, SigningAlgorithm.EDDSA, clock);
        assertThat(reopened.activeKeyId()).isEqualTo(rotated.keyId());
        assertThat(reopened.publicKeys()).extracting(PublishedKey::keyId).containsExactly(oldKid, rotated.keyId());
        assertThat(reopened.publicKeys()).extracting(PublishedKey::status)
                .containsExactly(KeyStatus.RETIRED, KeyStatus.ACTIVE);
        assertThat(JWSObject.parse(reopened.sign(RecordType.CONSENT, sampleClaims())).getHeader().getKeyID())
                .isEqualTo(rotated.keyId());
        assertThat(verifierFor(reopened).verify(signedBefore).keyId()).isEqualTo(oldKid);

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD);
        }
        assertThat(Collections.list(store.aliases())).containsExactlyInAnyOrder(ALIAS, ALIAS + "-2");
    }

    @Test
    void thePublicKeySetFollowsARotationAndCannotSign() {
        KeystoreKeyRing ring = newRing("operator.p12", SigningAlgorithm.EDDSA);
        PublicKeys view = ring.publicKeySet();
        assertThat(view).isNotInstanceOf(KeyRing.class);
        assertThat(view.publicKeys()).isEqualTo(ring.publicKeys());
        assertThat(view.notePublicKey()).get().isEqualTo(ring.ed25519Signer().orElseThrow().publicKey());

        clock.advance(Duration.ofDays(90));
        ring.rotate();

        assertThat(view.publicKeys()).extracting(PublishedKey::keyId).endsWith(ring.activeKeyId()).hasSize(2);
        assertThat(view.notePublicKey()).get().isEqualTo(ring.ed25519Signer().orElseThrow().publicKey());
        assertThat(view.publicKeys()).allSatisfy(key -> assertThat(key.publicJwk().isPrivate()).isFalse());
    }

    @Test
    void anEs256RingHasNoNoteKeyInItsPublicKeySet() {
        KeystoreKeyRing ring = newRing("es256.p12", SigningAlgorithm.ES256);
        assertThat(ring.publicKeySet().notePublicKey()).isEmpty();
        assertThat(ring.publicKeySet().publicKeys()).extracting(PublishedKey::keyId).containsExactly(ring.activeKeyId());
    }

    @Test
    void repeatedRotationKeepsEveryKeyInGenerationOrder() throws Exception {
        Path file = dir.resolve("operator.p12");
        KeystoreKeyRing ring = KeystoreKeyRing.openOrCreate(file, PASSWORD, ALIAS, SigningAlgorithm.EDDSA, clock);
        List<String> records = new ArrayList<>();
        List<String> kids = new ArrayList<>();
        for (int i = 0; i < 11; i++) { // past 9 so that "operator-10" must sort after "operator-9"
            kids.add(ring.activeKeyId());
            records.add(ring.sign(RecordType.CONSENT_STATUS, sampleClaims()));
            ring.rotate();
        }
        kids.add(ring.activeKeyId());

        KeystoreKeyRing reopened = KeystoreKeyRing.open(file, PASSWORD, ALIAS, SigningAlgorithm.EDDSA, clock);
        assertThat(reopened.publicKeys()).extracting(PublishedKey::keyId).containsExactlyElementsOf(kids);
        assertThat(reopened.activeKeyId()).isEqualTo(kids.get(kids.size() - 1));
        assertThat(reopened.publicKeys().stream().filter(k -> k.status() == KeyStatus.ACTIVE).count()).isEqualTo(1);
        RecordVerifier verifier = verifierFor(reopened);
        for (int i = 0; i < records.size(); i++) {
            assertThat(verifier.verify(records.get(i)).keyId()).isEqualTo(kids.get(i));
        }
    }

    // ---------------------------------------------------------------- ES256 and mixed rings

    @Test
    void es256SignsAndVerifies() throws Exception {
        KeystoreKeyRing ring = newRing("es256.p12", SigningAlgorithm.ES256);
        String compact = ring.sign(RecordType.SERVICE_LINK, sampleClaims());

        assertThat(JWSObject.parse(compact).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(ring.publicKeys().get(0).publicJwk()).isInstanceOf(ECKey.class);
        assertThat(((ECKey) ring.publicKeys().get(0).publicJwk()).getCurve()).isEqualTo(Curve.P_256);
        VerifiedRecord verified = verifierFor(ring).verify(compact);
        assertThat(verified.type()).isEqualTo(RecordType.SERVICE_LINK);
        assertThat(verified.claims()).containsEntry("surrogate_id", "pat-1");
        assertThat(Json.write(Jwks.document(ring.publicKeys()))).doesNotContain("\"d\"");

        KeystoreKeyRing reopened = KeystoreKeyRing.open(dir.resolve("es256.p12"), PASSWORD, ALIAS, SigningAlgorithm.ES256, clock);
        assertThat(reopened.activeKeyId()).isEqualTo(ring.activeKeyId());
    }

    @Test
    void aRingRotatedFromEdDsaToEs256VerifiesBoth() throws Exception {
        Path file = dir.resolve("operator.p12");
        String edRecord = KeystoreKeyRing.openOrCreate(file, PASSWORD, ALIAS, SigningAlgorithm.EDDSA, clock)
                .sign(RecordType.CONSENT, sampleClaims());
        KeystoreKeyRing ring = KeystoreKeyRing.open(file, PASSWORD, ALIAS, SigningAlgorithm.ES256, clock);
        ring.rotate();
        String ecRecord = ring.sign(RecordType.CONSENT, sampleClaims());

        assertThat(JWSObject.parse(ecRecord).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        RecordVerifier verifier = verifierFor(ring);
        assertThat(verifier.verify(edRecord).type()).isEqualTo(RecordType.CONSENT);
        assertThat(verifier.verify(ecRecord).type()).isEqualTo(RecordType.CONSENT);
    }

    // ---------------------------------------------------------------- keytool-made keystores

    @Test
    void aKeystoreMadeByKeytoolWithEd25519OpensAndSigns() throws Exception {
        Path file = dir.resolve("keytool-ed25519.p12");
        keytool("-genkeypair", "-keyalg", "Ed25519", "-storetype", "PKCS12", "-alias", ALIAS,
                "-keystore", file.toString(), "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD),
                "-dname", "CN=Operator record signing", "-validity", "3650");

        KeystoreKeyRing ring = KeystoreKeyRing.open(file, PASSWORD, ALIAS, SigningAlgorithm.EDDSA, clock);
        String compact = ring.sign(RecordType.CONSENT, sampleClaims());

        assertThat(JWSObject.parse(compact).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
        VerifiedRecord verified = verifierFor(ring).verify(compact);
        assertThat(verified.type()).isEqualTo(RecordType.CONSENT);
        assertThat(verified.keyId()).isEqualTo(ring.activeKeyId());
        assertThat(KeystoreKeyRing.openOrCreate(file, PASSWORD, ALIAS, SigningAlgorithm.EDDSA, clock).activeKeyId())
                .isEqualTo(ring.activeKeyId());

        // and the operator can rotate a keystore it did not create
        ring.rotate();
        assertThat(verifierFor(ring).verify(compact).keyId()).isEqualTo(verified.keyId());
    }

    @Test
    void aKeystoreMadeByKeytoolWithP256AndAnUpperCaseAliasOpensAndSigns() throws Exception {
        Path file = dir.resolve("keytool-p256.p12");
        keytool("-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1", "-storetype", "PKCS12", "-alias", "Operator",
                "-keystore", file.toString(), "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD),
                "-dname", "CN=Operator record signing", "-validity", "3650");

        KeystoreKeyRing ring = KeystoreKeyRing.open(file, PASSWORD, "Operator", SigningAlgorithm.ES256, clock);
        String compact = ring.sign(RecordType.CONSENT_STATUS, sampleClaims());

        assertThat(JWSObject.parse(compact).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(verifierFor(ring).verify(compact).type()).isEqualTo(RecordType.CONSENT_STATUS);
    }

    // ---------------------------------------------------------------- JWKS document

    @Test
    @SuppressWarnings("unchecked")
    void jwksDocumentMarksStatusAndNeverCarriesPrivateMembers() throws Exception {
        KeystoreKeyRing ring = newRing("operator.p12", SigningAlgorithm.EDDSA);
        String oldKid = ring.activeKeyId();
        String oldRecord = ring.sign(RecordType.CONSENT, sampleClaims());
        ring.rotate();

        Map<String, Object> document = Jwks.document(ring.publicKeys());
        List<Map<String, Object>> keys = (List<Map<String, Object>>) document.get("keys");
        assertThat(document).containsOnlyKeys("keys");
        assertThat(keys).hasSize(2);
        assertThat(keys.get(0)).containsEntry("kid", oldKid).containsEntry("status", "retired")
                .containsEntry("kty", "OKP").containsEntry("crv", "Ed25519").containsKey("x");
        assertThat(keys.get(1)).containsEntry("kid", ring.activeKeyId()).containsEntry("status", "active");
        for (Map<String, Object> key : keys) {
            assertThat(key).doesNotContainKeys("d", "p", "q", "dp", "dq", "qi", "k");
        }
        String json = Json.write(document);
        assertThat(json).doesNotContain("\"d\"");

        // a standard JWKS reader ignores the extra member and verifies with the published document
        JWKSet parsed = JWKSet.parse(json);
        assertThat(parsed.getKeys()).allSatisfy(k -> assertThat(k.isPrivate()).isFalse());
        assertThat(new RecordVerifier(parsed).verify(oldRecord).keyId()).isEqualTo(oldKid);
        assertThat(Jwks.toJwkSet(ring.publicKeys()).toString(false)).doesNotContain("\"d\"");
    }

    @Test
    void aPublishedKeyRefusesPrivateMaterial() throws Exception {
        OctetKeyPair withPrivate = new OctetKeyPairGenerator(Curve.Ed25519).keyID("k").generate();
        assertThatThrownBy(() -> new PublishedKey(withPrivate, KeyStatus.ACTIVE, Instant.EPOCH))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- helpers

    private static String signRaw(JWSSigner signer, JWSAlgorithm alg, String kid, String typ, Payload payload)
            throws Exception {
        JWSHeader.Builder header = new JWSHeader.Builder(alg);
        if (kid != null) {
            header.keyID(kid);
        }
        if (typ != null) {
            header.type(new JOSEObjectType(typ));
        }
        JWSObject jws = new JWSObject(header.build(), payload);
        jws.sign(signer);
        return jws.serialize();
    }

    /** The operator's own private key as a JWK, read straight from the keystore file. */
    private static OctetKeyPair operatorPrivateJwk(Path file, String kid) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD);
        }
        EdECPrivateKey key = (EdECPrivateKey) store.getKey(ALIAS, PASSWORD);
        byte[] spki = store.getCertificate(ALIAS).getPublicKey().getEncoded();
        byte[] x = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x))
                .d(Base64URL.encode(key.getBytes().orElseThrow()))
                .keyID(kid)
                .build();
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
        assertThat(process.exitValue()).as("keytool exit code; output:%n%s", output).isZero();
    }
}
