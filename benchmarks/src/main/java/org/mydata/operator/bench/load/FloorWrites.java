package org.mydata.operator.bench.load;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Scenario 1's floor: the same 16 closed loops as the consent writes, each POSTing status changes to the
 * floor application ({@link org.mydata.operator.bench.floor.FloorApplication}) with a bearer token minted
 * here as the embedded authorization server mints a citizen's (RS256, kid, issuer, subject, audience,
 * scope list, person identifier, an hour's lifetime, a jti). One request is one signed record and one
 * durable insert, so its rate is the most status records per second this stack can write.
 */
final class FloorWrites {
    private static final String[] CITIZENS = {"alice", "bob", "carol"};
    private static final String[] STEPS = {"paused", "active", "withdrawn"};

    private FloorWrites() {
    }

    static void run(Driver.Ctx ctx) throws Exception {
        String base = ctx.require("floor-base");
        RSAKey key = RSAKey.parse(Files.readString(Path.of(ctx.require("floor-key"))));
        Api api = new Api(base);
        String[] tokens = new String[CITIZENS.length];
        for (int i = 0; i < CITIZENS.length; i++) {
            tokens[i] = token(key, base, CITIZENS[i]);
        }
        // As the operator, the floor refuses a request without a token and takes the minted one.
        api.post("/floor/consents/" + UUID.randomUUID() + "/status", null, Map.of("status", "paused")).expect(401);
        api.post("/floor/consents/" + UUID.randomUUID() + "/status", tokens[0], Map.of("status", "paused")).expect(200);

        String[] consents = new String[ConsentWrites.LOOPS];
        int[] steps = new int[ConsentWrites.LOOPS];
        Cpu cpu = new Cpu(Long.parseLong(ctx.require("floor-pid")), ctx.pgData());
        GcPauses floorGc = new GcPauses(Long.parseLong(ctx.require("floor-pid")), ctx.out().resolve("gc-floor.log"));
        GcPauses driverGc = GcPauses.thisJvm();
        Load.Result r = Load.run("floor", ConsentWrites.LOOPS, ctx.warmup(ConsentWrites.QUICK_WARMUP_S, 60),
                ctx.warmup(12, 60), (w, rec) -> {
            if (consents[w] == null || steps[w] == STEPS.length) {
                consents[w] = UUID.randomUUID().toString();
                steps[w] = 0;
            }
            String path = "/floor/consents/" + consents[w] + "/status";
            Map<String, String> body = Map.of("status", STEPS[steps[w]++]);
            String token = tokens[w % tokens.length];
            rec.time("write", () -> api.post(path, token, body).expect(200));
        }, () -> {
            cpu.start();
            floorGc.start();
            driverGc.start();
        }, () -> {
            cpu.stop();
            floorGc.stop();
            driverGc.stop();
        });
        Metrics m = ctx.metrics();
        m.put("s1.floor.per_s", r.ops("write"));
        m.put("s1.floor.p50_ms", r.percentileMs("write", 50));
        m.put("s1.floor.p99_ms", r.percentileMs("write", 99));
        m.put("s1.floor.errors", r.errors());
        m.put("s1.floor.load", Cpu.loadAverage());
        cpu.record(m, "s1.floor");
        floorGc.record(m, "s1.floor.gc.floor");
        driverGc.record(m, "s1.floor.gc.driver");
        Progress.say("floor: %.0f signed writes/s, p50 %.1f ms, p99 %.1f ms; GC pauses in the window: floor %s, "
                + "driver %s", r.ops("write"), r.percentileMs("write", 50), r.percentileMs("write", 99), floorGc,
                driverGc);
    }

    /** An access token of the embedded authorization server's shape, signed with the floor's token key. */
    private static String token(RSAKey key, String issuer, String user) throws JOSEException {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(user)
                .audience("citizen-app")
                .notBeforeTime(Date.from(now))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(1, ChronoUnit.HOURS)))
                .jwtID(UUID.randomUUID().toString())
                .claim("scope", List.of("citizen"))
                .claim("person_identifier", "http://hl7.org/fhir/sid/us-ssn|999-00-0000")
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }
}
