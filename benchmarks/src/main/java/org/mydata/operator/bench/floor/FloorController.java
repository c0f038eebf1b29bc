package org.mydata.operator.bench.floor;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.OctetKeyPair;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/** The floor's one write: parse, sign once, insert once (durably), answer. */
@RestController
class FloorController {
    private static final Set<String> STATUSES = Set.of("active", "paused", "withdrawn");
    private static final JOSEObjectType TYPE = new JOSEObjectType("csr+jwt");

    private final DataSource dataSource;
    private final Ed25519Signer signer;
    private final JWSHeader header;
    private final Clock clock;

    /** One signer for every request, made once, as KeystoreKeyRing keeps one per key. */
    FloorController(DataSource dataSource, OctetKeyPair recordKey, Clock clock) throws JOSEException {
        this.dataSource = dataSource;
        this.signer = new Ed25519Signer(recordKey);
        this.header = new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(recordKey.getKeyID()).type(TYPE).build();
        this.clock = clock;
    }

    record StatusChange(String status) {
    }

    record StatusRecord(UUID id, UUID consentId, String status, Instant changedAt, String record) {
    }

    @PostMapping("/floor/consents/{consentId}/status")
    StatusRecord change(@PathVariable UUID consentId, @RequestBody StatusChange change, @AuthenticationPrincipal Jwt jwt) {
        if (change.status() == null || !STATUSES.contains(change.status())) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "status must be active, paused or withdrawn");
        }
        UUID id = UUID.randomUUID();
        Instant now = clock.instant();
        // Claims of a status record's size and shape, signed as KeystoreKeyRing signs (Nimbus Payload of a map).
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("id", id.toString());
        claims.put("consent_id", consentId.toString());
        claims.put("subject", jwt.getSubject());
        claims.put("status", change.status());
        claims.put("changed_by", "person");
        claims.put("changed_at", now.toString());
        JWSObject jws = new JWSObject(header, new Payload(claims));
        try {
            jws.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("signing failed", e);
        }
        String record = jws.serialize();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("insert into status_record (id, consent_id, status, subject, "
                     + "record, created_at) values (?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, id);
            ps.setObject(2, consentId);
            ps.setString(3, change.status());
            ps.setString(4, jwt.getSubject());
            ps.setString(5, record);
            ps.setTimestamp(6, Timestamp.from(now));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("the insert failed", e);
        }
        return new StatusRecord(id, consentId, change.status(), now, record);
    }
}
