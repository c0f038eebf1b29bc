package org.mydata.operator.api.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.net.URI;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Set;
import org.mydata.operator.gateway.PublicBaseUrl;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Every request is seen with the operator's configured public origin as its scheme, host and port, so
 * that whatever builds an absolute URL from the request (the authorization server's issuer, the login
 * redirect, a saved request, HAPI's server base) builds it on the configured origin and never reflects a
 * client's {@code Host} or forwarded headers. The client's address is left alone: behind a proxy it is
 * right only with {@code server.forward-headers-strategy} enabled (docs/operating.md, Security).
 *
 * <p>On the way out it drops {@code X-Powered-By} (HAPI FHIR announces itself) and, when the public origin
 * is {@code https}, adds HSTS to every response.
 */
final class PublicOriginFilter extends OncePerRequestFilter {
    static final String HSTS = "max-age=31536000";
    private static final Set<String> HIDDEN_REQUEST_HEADERS = Set.of("forwarded", "x-forwarded-host",
            "x-forwarded-proto", "x-forwarded-port", "x-forwarded-prefix", "x-forwarded-ssl");
    private final PublicBaseUrl publicBase;

    PublicOriginFilter(PublicBaseUrl publicBase) {
        this.publicBase = publicBase;
    }

    @Override
    protected boolean shouldNotFilterErrorDispatch() {
        return false;
    }

    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        URI origin = publicBase.uri();
        boolean https = origin.getScheme().equals("https");
        if (https) {
            response.setHeader("Strict-Transport-Security", HSTS);
        }
        chain.doFilter(new PublicRequest(request, origin), new PublicResponse(response, publicBase));
    }

    private static final class PublicRequest extends HttpServletRequestWrapper {
        private final URI origin;
        private final int port;
        private final String host;

        PublicRequest(HttpServletRequest request, URI origin) {
            super(request);
            this.origin = origin;
            this.port = origin.getPort() != -1 ? origin.getPort() : origin.getScheme().equals("https") ? 443 : 80;
            this.host = origin.getHost() + (origin.getPort() == -1 ? "" : ":" + origin.getPort());
        }

        @Override
        public String getScheme() {
            return origin.getScheme();
        }

        @Override
        public boolean isSecure() {
            return origin.getScheme().equals("https");
        }

        @Override
        public String getServerName() {
            return origin.getHost();
        }

        @Override
        public int getServerPort() {
            return port;
        }

        @Override
        public StringBuffer getRequestURL() {
            return new StringBuffer(origin.getScheme()).append("://").append(host).append(getRequestURI());
        }

        @Override
        public String getHeader(String name) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("host")) {
                return host;
            }
            return HIDDEN_REQUEST_HEADERS.contains(lower) ? null : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("host")) {
                return Collections.enumeration(Set.of(host));
            }
            return HIDDEN_REQUEST_HEADERS.contains(lower) ? Collections.emptyEnumeration() : super.getHeaders(name);
        }
    }

    /**
     * Redirects to a path go to the public origin: Tomcat would otherwise make them absolute with the
     * request's own Host header. Drops {@code X-Powered-By}: what runs the operator is nobody's business.
     */
    private static final class PublicResponse extends HttpServletResponseWrapper {
        private final PublicBaseUrl publicBase;

        PublicResponse(HttpServletResponse response, PublicBaseUrl publicBase) {
            super(response);
            this.publicBase = publicBase;
        }

        @Override
        public void sendRedirect(String location) throws IOException {
            super.sendRedirect(absolute(location));
        }

        @Override
        public void sendRedirect(String location, boolean clearBuffer) throws IOException {
            super.sendRedirect(absolute(location), clearBuffer);
        }

        @Override
        public void sendRedirect(String location, int status) throws IOException {
            super.sendRedirect(absolute(location), status);
        }

        @Override
        public void sendRedirect(String location, int status, boolean clearBuffer) throws IOException {
            super.sendRedirect(absolute(location), status, clearBuffer);
        }

        private String absolute(String location) {
            return location != null && location.startsWith("/") && !location.startsWith("//")
                    ? publicBase.url(location) : location;
        }

        @Override
        public void setHeader(String name, String value) {
            if (!poweredBy(name)) {
                super.setHeader(name, value);
            }
        }

        @Override
        public void addHeader(String name, String value) {
            if (!poweredBy(name)) {
                super.addHeader(name, value);
            }
        }

        private static boolean poweredBy(String name) {
            return "x-powered-by".equalsIgnoreCase(name);
        }
    }
}
