package org.mydata.operator.json;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.text.ParseException;
import java.util.Map;

/**
 * The core's one JSON codec: the same serialiser Nimbus uses for record payloads, so a value stored in a
 * jsonb column and the same value inside a signed record are written alike.
 */
public final class Json {
    private Json() {
    }

    public static String write(Map<String, ?> object) {
        return JSONObjectUtils.toJSONString(object);
    }

    public static Map<String, Object> read(String json) {
        try {
            return JSONObjectUtils.parse(json);
        } catch (ParseException e) {
            throw new IllegalStateException("stored JSON is not an object", e);
        }
    }
}
