package org.mydata.operator.signing;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator's JWKS document. Each key carries an extra {@code status} member ({@code active} or
 * {@code retired}); JWK consumers ignore members they do not know (RFC 7517 section 4), so standard
 * libraries still read it, while auditors see which key signs today.
 */
public final class Jwks {
    private Jwks() {
    }

    public static Map<String, Object> document(List<PublishedKey> keys) {
        List<Object> out = new ArrayList<>();
        for (PublishedKey key : keys) {
            Map<String, Object> jwk = new LinkedHashMap<>(key.publicJwk().toJSONObject());
            jwk.put("status", key.status().wire());
            out.add(jwk);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("keys", out);
        return doc;
    }

    public static JWKSet toJwkSet(List<PublishedKey> keys) {
        List<JWK> jwks = new ArrayList<>();
        for (PublishedKey key : keys) {
            jwks.add(key.publicJwk());
        }
        return new JWKSet(jwks);
    }
}
