package org.mydata.operator.api.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.AccessDeniedHandlerImpl;
import org.springframework.security.web.csrf.CsrfException;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * A form sent with a CSRF token the session does not know: almost always a page left open until the session
 * ended (or one from before signing in again). Nothing is done with it; instead the person is sent (303) to the
 * page that asks for the same action again: after signing in, if they must, they see what they were about to do,
 * marked {@code again} ("nothing was changed yet"), and confirm it with a fresh token. No action of the pages
 * (donate, withdraw, pause, resume, ask for erasure, opt out, undo an opt-out, link, remove a link) is thus made
 * from a stale form without its confirmation, nor lost on the way through the sign-in.
 *
 * <p>Other refusals keep the framework's handling.
 */
final class StaleForms implements AccessDeniedHandler {
    private static final String ID = "([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})";
    private static final Pattern CONSENT_ACTION = Pattern.compile("/app/consents/" + ID
            + "/(pause|resume|withdraw|erasure|new-version)");
    private static final Pattern OPT_OUT = Pattern.compile("/app/programmes/" + ID + "/opt-out");
    private static final Pattern UNDO_OPT_OUT = Pattern.compile("/app/opt-outs/" + ID + "/undo");
    private static final Pattern REMOVE_LINK = Pattern.compile("/app/links/" + ID + "/remove");
    private static final Pattern LINK_SOURCE = Pattern.compile("/app/sources/" + ID + "/link");
    private static final Pattern DONATE = Pattern.compile("/app/programmes/" + ID + "/donate");
    /**
     * The donation's choices, carried to its confirmation page (how researchers may receive the data among them),
     * the language of its text with them; the shown text's hash is not: the text is shown anew.
     */
    private static final List<String> DONATION_CHOICES = List.of("type", "source", "until", "access",
            CitizenPages.TEXT_LANGUAGE);
    /** The opt-out's one choice beside the programme: the language its notice was read in. */
    private static final List<String> OPT_OUT_CHOICES = List.of(CitizenPages.TEXT_LANGUAGE);

    private final AccessDeniedHandler otherwise = new AccessDeniedHandlerImpl();

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException denied)
            throws IOException, jakarta.servlet.ServletException {
        if (!(denied instanceof CsrfException) || !"POST".equals(request.getMethod())) {
            otherwise.handle(request, response, denied);
            return;
        }
        response.setStatus(HttpStatus.SEE_OTHER.value());
        response.setHeader(HttpHeaders.LOCATION, request.getContextPath() + againPage(request));
    }

    /** The page (GET, same origin) that offers the action of the stale form once more. */
    static String againPage(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        Matcher m;
        if ((m = CONSENT_ACTION.matcher(path)).matches() || (m = REMOVE_LINK.matcher(path)).matches()
                || (m = UNDO_OPT_OUT.matcher(path)).matches()) {
            return path + "?again";
        }
        if ((m = OPT_OUT.matcher(path)).matches()) {
            return withChoices(UriComponentsBuilder.fromPath(path).queryParam("again"), request, OPT_OUT_CHOICES);
        }
        if ((m = LINK_SOURCE.matcher(path)).matches()) {
            return "/app/sources?again";
        }
        if ((m = DONATE.matcher(path)).matches()) {
            return withChoices(UriComponentsBuilder.fromPath("/app/programmes/" + m.group(1) + "/confirm")
                    .queryParam("again"), request, DONATION_CHOICES);
        }
        if (path.equals("/logout")) {
            return "/logout?again";
        }
        if (path.equals("/login")) {
            return "/login?expired";
        }
        return "/app";
    }

    /** The page with the form's choices in its query, as the stale form sent them. */
    private static String withChoices(UriComponentsBuilder page, HttpServletRequest request, List<String> choices) {
        for (String name : choices) {
            String[] values = request.getParameterValues(name);
            if (values != null) {
                for (String value : values) {
                    page.queryParam(name, value);
                }
            }
        }
        return page.encode().build().toUriString();
    }
}
