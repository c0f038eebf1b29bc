package org.mydata.operator.failure;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/** Checks on incoming values that every capability needs, each failing with the field at fault. */
public final class Require {
    private Require() {
    }

    public static String text(String field, String value, int maxLength) {
        if (value == null || value.isBlank()) {
            throw new InvalidRequestException(field, field + " is required");
        }
        String trimmed = value.strip();
        if (trimmed.length() > maxLength) {
            throw new InvalidRequestException(field, field + " is longer than " + maxLength + " characters");
        }
        return trimmed;
    }

    public static URI absoluteUri(String field, String value, boolean httpOnly) {
        String text = text(field, value, 2000);
        try {
            URI uri = new URI(text);
            if (!uri.isAbsolute() || (httpOnly && !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())))) {
                throw new InvalidRequestException(field, field + " must be an absolute " + (httpOnly ? "http(s) " : "") + "URI");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new InvalidRequestException(field, field + " is not a valid URI");
        }
    }

    public static <T> List<T> nonEmpty(String field, List<T> values) {
        if (values == null || values.isEmpty()) {
            throw new InvalidRequestException(field, field + " must name at least one value");
        }
        return values;
    }
}
