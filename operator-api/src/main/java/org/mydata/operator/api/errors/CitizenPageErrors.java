package org.mydata.operator.api.errors;

import org.mydata.operator.api.web.CitizenPageAdvice;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.web.ErrorResponse;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * The framework's refusals of a citizen page that no page controller saw (a method the URL does not take, a
 * style sheet that is not there), and of an address outside them that a person's browser asked for (mistyped): the
 * error page, in the person's language, instead of the API's problem document. Failures inside the page controllers are {@link CitizenPageAdvice}'s; everything else, the API's
 * and the gateway's included, is left to their own handlers.
 */
public class CitizenPageErrors implements HandlerExceptionResolver, Ordered {

    @Override
    public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
                                         Exception failure) {
        if (!(failure instanceof ErrorResponse refusal) || !(isPage(request) || isMistypedInABrowser(request))
                || (handler instanceof HandlerMethod method
                && method.getBeanType().getPackageName().equals(CitizenPageErrors.class.getPackageName()))) {
            return null;
        }
        try {
            refusal.getHeaders().forEach((name, values) -> values.forEach(v -> response.addHeader(name, v)));
            response.sendError(refusal.getStatusCode().value());
        } catch (IOException | IllegalStateException gone) {
            // The client went away, or the response is already on its way: nothing more to say.
        }
        return new ModelAndView();
    }

    /** The citizen pages: the site's root and everything under {@code /app}. */
    static boolean isPage(HttpServletRequest request) {
        return isPagePath(request.getRequestURI().substring(request.getContextPath().length()));
    }

    /** A person's browser at an address that is neither a page nor one for programs: typed wrong, most likely. */
    static boolean isMistypedInABrowser(HttpServletRequest request) {
        return ErrorDocuments.isBrowser(request)
                && !ErrorDocuments.isForPrograms(request.getRequestURI().substring(request.getContextPath().length()));
    }

    /**
     * Whether a path (without the context path) is one of the citizen pages a person reads in a browser: the
     * site's root, everything under {@code /app}, and the sign-in and sign-out pages.
     */
    public static boolean isPagePath(String path) {
        if (path == null) {
            return false;
        }
        // A path parameter (";jsessionid=") still names the page it is on.
        String page = path.replaceFirst(";.*$", "");
        return page.equals("/") || page.equals("/app") || page.startsWith("/app/") || page.equals("/login")
                || page.equals("/logout");
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
