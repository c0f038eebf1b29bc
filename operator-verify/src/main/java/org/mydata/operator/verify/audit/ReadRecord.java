package org.mydata.operator.verify.audit;

import com.nimbusds.jose.JWSObject;
import java.text.ParseException;
import java.util.Map;
import org.mydata.operator.verify.signing.InvalidRecordException;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;
import org.mydata.operator.verify.json.JsonNumbers;

/**
 * A record as the verifiers read it, whether or not its signature holds. A record whose signature fails
 * is reported as such, but its claims are still read (unverified) so that the report can name it and the
 * chain checks can still say what else is wrong; nothing is ever concluded from unverified claims alone,
 * because the signature failure already fails the audit.
 *
 * @param typ            the JOSE typ header, null when absent or unreadable
 * @param claims         the payload's claims; empty when the JWS cannot even be parsed
 * @param signatureError null when the signature and kid check out against the JWKS, else why not
 */
public record ReadRecord(String jws, String typ, String kid, Map<String, Object> claims, String signatureError) {

    static ReadRecord read(RecordVerifier verifier, String jws) {
        try {
            VerifiedRecord record = verifier.verify(jws);
            return new ReadRecord(jws, record.type().mediaType(), record.keyId(), record.claims(), null);
        } catch (InvalidRecordException e) {
            return unverified(jws, e.getMessage());
        }
    }

    /**
     * The claims without checking the signature, for entries whose signatures an earlier audit verified
     * (a full-log audit that resumes where the last one ended).
     */
    public static ReadRecord unchecked(String jws) {
        return unverified(jws, null);
    }

    private static ReadRecord unverified(String jws, String problem) {
        try {
            JWSObject parsed = JWSObject.parse(jws);
            Map<String, Object> claims = parsed.getPayload().toJSONObject();
            String typ = parsed.getHeader().getType() == null ? null : parsed.getHeader().getType().getType();
            return new ReadRecord(jws, typ, parsed.getHeader().getKeyID(), claims == null ? Map.of() : claims, problem);
        } catch (ParseException | RuntimeException e) {
            return new ReadRecord(jws, null, null, Map.of(), problem == null ? "not a compact JWS" : problem);
        }
    }

    public boolean signed() {
        return signatureError == null;
    }

    /** A claim as a string, or null when absent or not a string. */
    public String string(String name) {
        return claims.get(name) instanceof String s ? s : null;
    }

    /** A claim as a whole number, or null when absent or not one. */
    public Long wholeNumber(String name) {
        return JsonNumbers.wholeNumber(claims.get(name));
    }
}
