package org.mydata.operator.api.limits;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.mydata.operator.api.gateway.GatewayConfig;
import org.mydata.operator.api.errors.Problems;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Bounds every request body, for the REST API, the citizen pages and the FHIR gateway alike, before anything
 * reads it (authentication included): a body declared larger than the limit is answered 413 at once, unread;
 * a body without a declared length (chunked) is counted as it is read and fails at the limit, which the
 * readers (Jackson, HAPI) turn into a 4xx ({@link TooLarge}). Tomcat's own form limit is set to the same size
 * (SizeLimitConfig), so a form never reaches a parser larger than this.
 *
 * <p>The answer is the interface's error format: an OperationOutcome on the FHIR gateway, the error page on the
 * citizen pages (a browser shows no JSON to a person), a problem document everywhere else.
 */
public final class RequestSizeLimit extends OncePerRequestFilter {
    private final long maxBytes;
    private final JsonMapper json;

    public RequestSizeLimit(long maxBytes, JsonMapper json) {
        this.maxBytes = maxBytes;
        this.json = json;
    }

    /** Thrown by the counted stream at the limit; an IOException, so readers report it as a failed read. */
    public static final class TooLarge extends IOException {
        private final long maxBytes;

        public TooLarge(long maxBytes) {
            super("the request body is larger than the limit of " + maxBytes + " bytes", null);
            this.maxBytes = maxBytes;
        }

        public long maxBytes() {
            return maxBytes;
        }
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long declared = request.getContentLengthLong();
        if (declared > maxBytes) {
            refuse(request, response);
            return;
        }
        if (declared < 0 && request.getHeader("Transfer-Encoding") != null) {
            request = new Counted(request, maxBytes);
        }
        try {
            chain.doFilter(request, response);
        } catch (ServletException | RuntimeException e) {
            if (!causedByTooLarge(e) || response.isCommitted()) {
                throw e;
            }
            response.resetBuffer();
            refuse(request, response);
        }
    }

    private static boolean causedByTooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TooLarge) {
                return true;
            }
        }
        return false;
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response) throws IOException, ServletException {
        response.setStatus(HttpStatus.CONTENT_TOO_LARGE.value());
        // The rest of the body is not read: the connection is closed rather than drained.
        response.setHeader("Connection", "close");
        String detail = "the request body is larger than the limit of " + maxBytes + " bytes";
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (org.mydata.operator.api.errors.CitizenPageErrors.isPagePath(path)) {
            // The error page, reached as Tomcat's error dispatch would, but with the body out of sight: on the
            // way there Spring Security reads parameters, and parsing a form this large fails.
            request.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, HttpStatus.CONTENT_TOO_LARGE.value());
            request.setAttribute(RequestDispatcher.ERROR_REQUEST_URI, request.getRequestURI());
            request.getRequestDispatcher("/error").forward(new Unread(request), response);
            return;
        }
        if (request.getRequestURI().startsWith(request.getContextPath() + GatewayConfig.PATH + "/")) {
            response.setContentType("application/fhir+json");
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            response.getWriter().write("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
                    + "\"code\":\"too-costly\",\"diagnostics\":\"" + detail + "\"}]}");
            return;
        }
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), Problems.tooLarge(maxBytes));
    }

    /** A refused request as the error page sees it: without its body, so without form parameters. */
    private static final class Unread extends HttpServletRequestWrapper {
        Unread(HttpServletRequest request) {
            super(request);
        }

        @Override
        public String getParameter(String name) {
            return null;
        }

        @Override
        public java.util.Map<String, String[]> getParameterMap() {
            return java.util.Map.of();
        }

        @Override
        public java.util.Enumeration<String> getParameterNames() {
            return java.util.Collections.emptyEnumeration();
        }

        @Override
        public String[] getParameterValues(String name) {
            return null;
        }
    }

    /** A request whose body stream fails with {@link TooLarge} once more than the limit has been read. */
    private static final class Counted extends HttpServletRequestWrapper {
        private final long maxBytes;
        private ServletInputStream stream;

        Counted(HttpServletRequest request, long maxBytes) {
            super(request);
            this.maxBytes = maxBytes;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                ServletInputStream in = super.getInputStream();
                stream = new ServletInputStream() {
                    private long read;

                    @Override
                    public int read() throws IOException {
                        int b = in.read();
                        if (b >= 0) {
                            count(1);
                        }
                        return b;
                    }

                    @Override
                    public int read(byte[] buffer, int offset, int length) throws IOException {
                        int n = in.read(buffer, offset, length);
                        if (n > 0) {
                            count(n);
                        }
                        return n;
                    }

                    private void count(int n) throws TooLarge {
                        read += n;
                        if (read > maxBytes) {
                            throw new TooLarge(maxBytes);
                        }
                    }

                    @Override
                    public boolean isFinished() {
                        return in.isFinished();
                    }

                    @Override
                    public boolean isReady() {
                        return in.isReady();
                    }

                    @Override
                    public void setReadListener(ReadListener listener) {
                        in.setReadListener(listener);
                    }
                };
            }
            return stream;
        }
    }
}
