package org.mydata.operator.bench.jmh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.mydata.operator.verify.signing.InvalidRecordException;
import org.mydata.operator.signing.Jwks;
import org.mydata.operator.signing.KeystoreKeyRing;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.signing.SigningAlgorithm;
import org.mydata.operator.verify.signing.VerifiedRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The raw rate at which the operator's own key ring signs, and its record verifier verifies, a consent
 * status record: the signing limit of the consent-write scenario. Same classes as the operator
 * ({@link KeystoreKeyRing}, {@link RecordVerifier}), a key made the way the embedded default makes it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SigningBenchmark {

    @Param({"EdDSA", "ES256"})
    public String algorithm;

    private KeystoreKeyRing ring;
    private RecordVerifier verifier;
    private Map<String, Object> claims;
    private String record;

    @Setup
    public void setUp() throws Exception {
        Path dir = Files.createTempDirectory("bench-keys");
        ring = KeystoreKeyRing.openOrCreate(dir.resolve("operator-signing.p12"), "bench".toCharArray(), "operator",
                SigningAlgorithm.fromName(algorithm), Clock.systemUTC());
        verifier = new RecordVerifier(Jwks.toJwkSet(ring.publicKeys()));
        claims = statusRecordClaims();
        record = ring.sign(RecordType.CONSENT_STATUS, claims);
        verifier.verify(record);
    }

    /** The claims of a typical status record (a pause), as Consents signs them. */
    static Map<String, Object> statusRecordClaims() {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("csr_id", UUID.randomUUID().toString());
        claims.put("cr_id", UUID.randomUUID().toString());
        claims.put("account_id", UUID.randomUUID().toString());
        claims.put("status", "paused");
        claims.put("changed_by", "person");
        claims.put("prev_csr_hash", "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE");
        claims.put("iat", 1_767_225_600L);
        claims.put("log_index", 123_456L);
        return claims;
    }

    @Benchmark
    public String sign() {
        return ring.sign(RecordType.CONSENT_STATUS, claims);
    }

    @Benchmark
    public VerifiedRecord verify() throws InvalidRecordException {
        return verifier.verify(record);
    }
}
