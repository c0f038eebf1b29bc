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

    /**
     * A link shown to people (a programme's terms): {@code https} with a host, or {@code http} to this machine
     * (the demo's); never {@code javascript:}, {@code data:} and the like, which a page would render as a link.
     */
    public static URI linkUri(String field, String value) {
        URI uri = absoluteUri(field, value, true);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(java.util.Locale.ROOT);
        boolean local = host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]");
        if (host.isEmpty() || !("https".equals(uri.getScheme()) || local)) {
            throw new InvalidRequestException(field, field + " must be an https link (http only to localhost)");
        }
        return uri;
    }

    /** The latest time or date a request may name: later ones are typing errors, and beyond what is stored. */
    public static final java.time.Instant LATEST = java.time.Instant.parse("9999-12-31T23:59:59Z");

    /** A time within years 1 to 9999, as PostgreSQL, ISO-8601 readers and people all handle; null passes. */
    public static java.time.Instant reasonableTime(String field, java.time.Instant value) {
        if (value != null && (value.isAfter(LATEST) || value.isBefore(java.time.Instant.parse("0001-01-01T00:00:00Z")))) {
            throw new InvalidRequestException(field, field + " must lie between the years 1 and 9999");
        }
        return value;
    }

    /** A date within years 1 to 9999; null passes. */
    public static java.time.LocalDate reasonableDate(String field, java.time.LocalDate value) {
        if (value != null && (value.getYear() < 1 || value.getYear() > 9999)) {
            throw new InvalidRequestException(field, field + " must lie between the years 1 and 9999");
        }
        return value;
    }

    /** An access mode by its name in requests and records ({@code statistics}, {@code records}). */
    public static org.mydata.operator.verify.release.AccessMode accessMode(String field, String name) {
        return org.mydata.operator.verify.release.AccessMode.fromWireName(name).orElseThrow(() -> new InvalidRequestException(
                field, "'" + name + "' is not an access mode: statistics or records"));
    }

    /** Access modes by name, each known, at least one; in the order given, without repeats. */
    public static List<org.mydata.operator.verify.release.AccessMode> accessModes(String field, List<String> names) {
        return nonEmpty(field, names).stream().map(name -> accessMode(field, name)).distinct().toList();
    }

    public static <T> List<T> nonEmpty(String field, List<T> values) {
        if (values == null || values.isEmpty()) {
            throw new InvalidRequestException(field, field + " must name at least one value");
        }
        return values;
    }
}
