package org.mydata.operator.api.web;

import org.mydata.operator.api.errors.ErrorDocuments;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.servlet.ModelAndView;

/**
 * The error dispatch ({@code /error}) in the operator's own formats, in place of Spring Boot's, whose JSON
 * is neither a problem document nor an OperationOutcome: an error on the API is a problem document, one on
 * the FHIR gateway an OperationOutcome, and a browser on the pages gets the error page. Reached directly,
 * with no error behind it, {@code /error} is simply not found.
 */
@Controller
@RequestMapping("${server.error.path:/error}")
public class ProblemErrorController implements ErrorController {

    @RequestMapping(produces = MediaType.TEXT_HTML_VALUE)
    public Object page(HttpServletRequest request, HttpServletResponse response) {
        String path = originalPath(request);
        int status = status(request);
        // A mistyped or opened API address in a person's browser is a page; a program keeps its document.
        if (ErrorDocuments.isFhir(path) || (ErrorDocuments.isForPrograms(path)
                && !(ErrorDocuments.isBrowser(request) && (status == 401 || status == 404)))) {
            return document(request);
        }
        response.setStatus(status);
        // A page like the others: the menu and the sign-out button when someone is signed in.
        Map<String, Object> model = new HashMap<>();
        model.put("status", status);
        model.put("reason", switch (status) {
            case 400, 401, 403, 404, 405, 413 -> "error." + status;
            default -> status >= 500 ? "error.500" : "error.other";
        });
        String name = CitizenPageAdvice.nameOf(SecurityContextHolder.getContext().getAuthentication());
        if (name != null) {
            model.put("citizenName", name);
        }
        return new ModelAndView("error", model);
    }

    @RequestMapping
    public ResponseEntity<byte[]> document(HttpServletRequest request) {
        int status = status(request);
        String path = originalPath(request);
        return ResponseEntity.status(status).header(HttpHeaders.CONTENT_TYPE, ErrorDocuments.contentType(path))
                .body(ErrorDocuments.body(path, status, ErrorDocuments.detail(status)));
    }

    private static int status(HttpServletRequest request) {
        Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        return status instanceof Integer code && code >= 400 ? code : 404;
    }

    private static String originalPath(HttpServletRequest request) {
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String path = uri == null ? request.getRequestURI() : uri.toString();
        String context = request.getContextPath();
        return !context.isEmpty() && path.startsWith(context) ? path.substring(context.length()) : path;
    }
}
