package org.mydata.operator.verify.signing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import java.text.ParseException;
import java.util.HashMap;
import java.util.Map;

/**
 * Verifies operator records against a JWKS, nothing else. It needs no database and no network:
 * auditors run it on a JWKS they fetched once.
 */
public final class RecordVerifier {
    private final Map<String, JWSVerifier> verifiers = new HashMap<>();

    public RecordVerifier(JWKSet jwks) {
        for (JWK jwk : jwks.getKeys()) {
            if (jwk.getKeyID() != null) {
                verifierFor(jwk.toPublicJWK()).ifPresent(v -> verifiers.put(jwk.getKeyID(), v));
            }
        }
    }

    public VerifiedRecord verify(String compact) throws InvalidRecordException {
        JWSObject jws;
        try {
            jws = JWSObject.parse(compact);
        } catch (ParseException e) {
            throw new InvalidRecordException("not a compact JWS", e);
        }
        String kid = jws.getHeader().getKeyID();
        if (kid == null) {
            throw new InvalidRecordException("the record names no key (kid)");
        }
        JWSVerifier verifier = verifiers.get(kid);
        if (verifier == null) {
            throw new InvalidRecordException("the record's key " + kid + " is not in the JWKS");
        }
        if (!verifier.supportedJWSAlgorithms().contains(jws.getHeader().getAlgorithm())) {
            throw new InvalidRecordException("the record's algorithm does not match key " + kid);
        }
        try {
            if (!jws.verify(verifier)) {
                throw new InvalidRecordException("the signature does not verify with key " + kid);
            }
        } catch (JOSEException e) {
            throw new InvalidRecordException("the signature could not be checked with key " + kid, e);
        }
        String typ = jws.getHeader().getType() == null ? null : jws.getHeader().getType().getType();
        RecordType type = RecordType.fromMediaType(typ)
                .orElseThrow(() -> new InvalidRecordException("unknown record type '" + typ + "'"));
        Map<String, Object> claims = jws.getPayload().toJSONObject();
        if (claims == null) {
            throw new InvalidRecordException("the payload is not a JSON object");
        }
        return new VerifiedRecord(type, kid, claims, compact);
    }

    private static java.util.Optional<JWSVerifier> verifierFor(JWK jwk) {
        try {
            if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
                // DefaultJWSVerifierFactory does not know EdDSA, so the verifier is built directly.
                return java.util.Optional.of(new Ed25519Verifier(okp));
            }
            if (jwk instanceof ECKey ec && Curve.P_256.equals(ec.getCurve())) {
                return java.util.Optional.of(new ECDSAVerifier(ec));
            }
        } catch (JOSEException e) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.empty();
    }
}
