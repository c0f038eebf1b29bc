package org.mydata.operator.verify.json;

/**
 * How the verifier reads a number out of parsed JSON (a record's claims, an audit bundle, a log entry): one rule
 * for every reader, so that no two of them disagree about what a log index or an {@code iat} is. Not exported by
 * the module: the verifier's own packages use it, embedders do not.
 */
public final class JsonNumbers {
    private JsonNumbers() {
    }

    /**
     * A JSON value as a whole number: a {@code Long} or {@code Integer} as it is, and any other number when it has
     * no fraction and a double holds it exactly (below 2<sup>53</sup>); null for anything else, null included.
     */
    public static Long wholeNumber(Object value) {
        if (value instanceof Long || value instanceof Integer) {
            return ((Number) value).longValue();
        }
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) < 0x1p53) {
            return n.longValue();
        }
        return null;
    }
}
