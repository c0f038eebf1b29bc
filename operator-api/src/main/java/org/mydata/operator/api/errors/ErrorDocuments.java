package org.mydata.operator.api.errors;

import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpStatus;

/**
 * The body of an error that no controller answered: one the servlet container, the security firewall or
 * the error dispatch produced. A problem document (RFC 9457, type {@code about:blank}: the status says it
 * all), or an OperationOutcome under the FHIR gateway. Fixed texts only: nothing of the request is echoed.
 */
public final class ErrorDocuments {
    public static final String PROBLEM_JSON = "application/problem+json";
    public static final String FHIR_JSON = "application/fhir+json";
    private static final String FHIR_PATH = "/fhir";

    private ErrorDocuments() {
    }

    /** Whether an error for this path (without the context path) is the FHIR gateway's to describe. */
    public static boolean isFhir(String path) {
        return path != null && (path.equals(FHIR_PATH) || path.startsWith(FHIR_PATH + "/"));
    }

    /**
     * A person's browser rather than a program: it asks for a page ({@code text/html} named in Accept, as browsers
     * do when a person opens an address) and sends no access token. Such a person who mistyped or opened an API
     * address gets a page they can read; a program keeps its problem document.
     */
    public static boolean isBrowser(jakarta.servlet.http.HttpServletRequest request) {
        String accept = request.getHeader("Accept");
        return request.getHeader("Authorization") == null && accept != null && accept.contains("text/html");
    }

    /** An address for programs (the API, the FHIR gateway, the published keys, the API's description). */
    public static boolean isForPrograms(String path) {
        return path.startsWith("/api/") || isFhir(path) || path.startsWith("/.well-known/") || path.startsWith("/v3/")
                || path.startsWith("/swagger-ui") || path.startsWith("/demo-source/");
    }

    public static String contentType(String path) {
        return isFhir(path) ? FHIR_JSON : PROBLEM_JSON;
    }

    public static byte[] body(String path, int status, String detail) {
        return (isFhir(path) ? operationOutcome(status, detail) : problem(status, detail))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** What a status means, in a sentence that says nothing about the request. */
    public static String detail(int status) {
        return switch (status) {
            case 400 -> "the request is malformed or not allowed (its URL, method or headers)";
            case 404 -> "nothing is here";
            case 405 -> "this URL does not take this method";
            case 413 -> "the request is too large";
            case 414 -> "the request's URL is too long";
            case 431 -> "the request's headers are too large";
            default -> status >= 500 ? "the operator could not answer this request" : "the request cannot be answered";
        };
    }

    private static String problem(int status, String detail) {
        return "{\"type\":\"about:blank\",\"title\":\"" + title(status) + "\",\"status\":" + status
                + ",\"detail\":\"" + detail + "\"}";
    }

    private static String operationOutcome(int status, String detail) {
        String code = switch (status) {
            case 400, 413, 414, 431 -> "invalid";
            case 404 -> "not-found";
            case 405 -> "not-supported";
            default -> status >= 500 ? "exception" : "processing";
        };
        return "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"" + code
                + "\",\"diagnostics\":\"" + title(status) + ": " + detail + "\"}]}";
    }

    private static String title(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        return known == null ? "Error" : known.getReasonPhrase();
    }
}
