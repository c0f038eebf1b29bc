package org.mydata.operator.gateway;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The operator's own origin as its clients reach it ({@code https://operator.example.org}): every absolute URL
 * the operator hands out is built on it, never on the request's {@code Host} header, which any client may set.
 * Either fixed by configuration or, for the embedded default, known only once the server has its port.
 */
public final class PublicBaseUrl {
    private final Supplier<String> origin;

    private PublicBaseUrl(Supplier<String> origin) {
        this.origin = origin;
    }

    /** A configured origin: scheme, host and optional port; no path, query or fragment. */
    public static PublicBaseUrl of(String url) {
        String origin = validated(url);
        return new PublicBaseUrl(() -> origin);
    }

    /** An origin known later (the embedded default's port); asked each time, checked as {@link #of} checks it. */
    public static PublicBaseUrl later(Supplier<String> url) {
        Objects.requireNonNull(url);
        return new PublicBaseUrl(() -> validated(url.get()));
    }

    /** {@code scheme://host[:port]}, without a trailing slash. */
    public String origin() {
        return origin.get();
    }

    /** The absolute URL of a path on this operator; {@code path} starts with {@code /}. */
    public String url(String path) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("a path starts with /");
        }
        return origin() + path;
    }

    public URI uri() {
        return URI.create(origin());
    }

    public boolean https() {
        return origin().startsWith("https:");
    }

    private static String validated(String url) {
        URI uri;
        try {
            uri = URI.create(Objects.requireNonNull(url, "the public base URL").strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("operator.public-base-url is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null || uri.getRawUserInfo() != null
                || !(path.isEmpty() || path.equals("/")) || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("operator.public-base-url must be http(s)://host[:port], without a path: "
                    + url);
        }
        int port = uri.getPort();
        // The default port is left out, as every URL builder leaves it out: the issuer must match exactly.
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }

    @Override
    public String toString() {
        return origin();
    }
}
