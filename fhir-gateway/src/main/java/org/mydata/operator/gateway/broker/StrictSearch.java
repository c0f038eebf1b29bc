package org.mydata.operator.gateway.broker;

import java.util.UUID;
import java.util.LinkedHashSet;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.mydata.operator.gateway.registry.BrokeredType;
import org.mydata.operator.gateway.registry.BrokeredTypes;

/**
 * FHIR's {@code handling} (R4 search, 3.1.1.4): what the gateway does not answer exactly is refused with a 400
 * naming it, unless the client sent {@code Prefer: handling=lenient}; then it is ignored, removed from the
 * request so that nothing applies half of it, and the searchset says so in an {@code OperationOutcome} entry
 * ({@code search.mode = outcome}). Runs after {@link PermitGuard}, so only a permit's researcher learns what
 * the gateway answers. Also keeps {@code _summary} in paging links, which HAPI leaves out of them.
 */
public final class StrictSearch {
    static final String PARSED = StrictSearch.class.getName() + ".parsed";
    private static final String IGNORED = StrictSearch.class.getName() + ".ignored";
    private static final Set<String> PAGE_PARAMETERS = Set.of("_getpages", "_getpagesoffset", "_count", "_format",
            "_pretty", "_summary", "_elements", "_bundletype");
    private static final Set<String> READ_PARAMETERS = Set.of("_format", "_pretty", "_summary", "_elements");

    private final int maxPageSize;

    /** @param maxPageSize the largest {@code _count} answered (the paging provider's maximum page size) */
    public StrictSearch(int maxPageSize) {
        this.maxPageSize = maxPageSize;
    }

    /**
     * Refusals are written here and end the request (the hook returns false) rather than thrown: HAPI logs
     * every exception an interceptor throws as an error with its stack trace, and a researcher's typo is none.
     */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = 100)
    public boolean check(RequestDetails details, HttpServletResponse response) throws IOException {
        RestOperationTypeEnum operation = details.getRestOperationType();
        if (operation == null) {
            return true;
        }
        boolean lenient = lenient(details);
        switch (operation) {
            case SEARCH_TYPE -> {
                BrokeredType type = BrokeredTypes.named(details.getResourceName()).orElse(null);
                if (type == null) {
                    return true;
                }
                SearchParser.Parsed parsed = SearchParser.parse(type, details.getParameters(), maxPageSize);
                if (!parsed.issues().isEmpty()) {
                    if (!lenient) {
                        return refuse(details, response, parsed.issues());
                    }
                    parsed.unanswered().forEach(details::removeParameter);
                    details.getUserData().put(IGNORED, parsed.issues());
                }
                keepMandatoryElements(details, type);
                if (parsed.countOnly() && !parsed.unanswered().contains("_count")) {
                    details.removeParameter("_count");
                    details.removeParameter("_summary");
                    details.addParameter("_summary", new String[] {"count"});
                }
                details.getUserData().put(PARSED, parsed);
            }
            case GET_PAGE -> {
                return others(details, response, PAGE_PARAMETERS, lenient);
            }
            case READ, VREAD -> {
                boolean go = others(details, response, READ_PARAMETERS, lenient);
                BrokeredTypes.named(details.getResourceName()).ifPresent(type -> keepMandatoryElements(details, type));
                return go;
            }
            default -> {
            }
        }
        return true;
    }

    /** A search's parse, made by {@link #check}; null if the request did not pass through it. */
    static SearchParser.Parsed parsed(RequestDetails details) {
        return (SearchParser.Parsed) details.getUserData().get(PARSED);
    }

    /**
     * Paging links keep the {@code _summary} of the request (HAPI carries {@code _elements} but not it, so page
     * two came back in full); a lenient search's searchset says what was ignored.
     */
    @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
    public boolean respond(RequestDetails details, ResponseDetails response) {
        if (!(response.getResponseResource() instanceof Bundle bundle)) {
            return true;
        }
        String[] summary = details.getParameters().get("_summary");
        if (summary != null && summary.length == 1) {
            for (Bundle.BundleLinkComponent link : bundle.getLink()) {
                if (link.hasUrl() && link.getUrl().contains("_getpages=") && !link.getUrl().contains("_summary=")) {
                    link.setUrl(link.getUrl() + "&_summary=" + URLEncoder.encode(summary[0], StandardCharsets.UTF_8));
                }
            }
        }
        @SuppressWarnings("unchecked")
        List<SearchParser.Issue> ignored = (List<SearchParser.Issue>) details.getUserData().get(IGNORED);
        if (ignored != null && bundle.getType() == Bundle.BundleType.SEARCHSET) {
            OperationOutcome outcome = new OperationOutcome();
            ignored.forEach(issue -> outcome.addIssue().setSeverity(IssueSeverity.WARNING).setCode(issue.code())
                    .setDiagnostics("Ignored (Prefer: handling=lenient): " + issue.message()));
            bundle.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(outcome).getSearch()
                    .setMode(Bundle.SearchEntryMode.OUTCOME);
        }
        if (bundle.getType() == Bundle.BundleType.SEARCHSET) {
            // What HAPI did not mark as included (or as the outcome) is what the search matched.
            bundle.getEntry().stream().filter(e -> !e.getSearch().hasMode())
                    .forEach(e -> e.getSearch().setMode(Bundle.SearchEntryMode.MATCH));
        }
        return true;
    }

    /**
     * {@code _elements} keeps the elements the type must have (Observation's {@code status} and {@code code}), as
     * FHIR says a server should, so that what goes out is still a valid resource; export's {@code _elements} does the
     * same through {@link ExportFilters#elements}.
     */
    private static void keepMandatoryElements(RequestDetails details, BrokeredType type) {
        String[] asked = details.getParameters().get("_elements");
        if (asked == null || asked.length == 0) {
            return;
        }
        Set<String> kept = new LinkedHashSet<>();
        for (String value : asked) {
            for (String element : value.split(",")) {
                if (!element.isBlank()) {
                    kept.add(element.strip());
                }
            }
        }
        for (BaseRuntimeChildDefinition child : FhirContext.forR4Cached().getResourceDefinition(type.name()).getChildren()) {
            if (child.getMin() > 0) {
                kept.add(child.getElementName());
            }
        }
        details.removeParameter("_elements");
        details.addParameter("_elements", new String[] {String.join(",", kept)});
    }

    private boolean others(RequestDetails details, HttpServletResponse response, Set<String> allowed, boolean lenient)
            throws IOException {
        List<SearchParser.Issue> issues = new ArrayList<>();
        for (Map.Entry<String, String[]> entry : details.getParameters().entrySet()) {
            String key = entry.getKey();
            if (!allowed.contains(key)) {
                issues.add(new SearchParser.Issue(key, IssueType.NOTSUPPORTED, "The gateway does not answer " + key
                        + " here."));
            } else if (key.equals("_summary") && (entry.getValue().length != 1
                    || !SearchParser.SUMMARY.contains(entry.getValue()[0]))) {
                issues.add(new SearchParser.Issue(key, IssueType.VALUE, "_summary takes one of "
                        + String.join(", ", new TreeSet<>(SearchParser.SUMMARY)) + "."));
            } else if (key.equals("_count") || key.equals("_getpagesoffset")) {
                String[] values = entry.getValue();
                int low = key.equals("_count") ? 1 : 0;
                int high = key.equals("_count") ? maxPageSize : Integer.MAX_VALUE;
                Integer value = values.length == 1 ? integer(values[0]) : null;
                if (value == null || value < low || value > high) {
                    issues.add(new SearchParser.Issue(key, IssueType.VALUE, key + " must be a whole number from " + low
                            + (high == Integer.MAX_VALUE ? "" : " to " + high) + "."));
                }
            }
        }
        if (issues.isEmpty()) {
            return true;
        }
        if (!lenient || issues.stream().anyMatch(i -> i.code() == IssueType.VALUE)) {
            return refuse(details, response, issues);
        }
        issues.forEach(i -> details.removeParameter(i.parameter()));
        return true;
    }

    /** Writes the 400 with its OperationOutcome and ends the request. */
    private static boolean refuse(RequestDetails details, HttpServletResponse response, List<SearchParser.Issue> issues)
            throws IOException {
        return Refusals.write(details, response, 400, (OperationOutcome) refused(issues).getOperationOutcome());
    }

    private static Integer integer(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {@code Prefer: handling=lenient}; strict is the default (and what {@code handling=strict} asks). */
    static boolean lenient(RequestDetails details) {
        return preferences(details).contains("handling=lenient");
    }

    /**
     * The request's {@code Prefer} preferences, the gateway's one reading of the header: every token of every
     * {@code Prefer} header, split at commas and semicolons, lower case, without spaces
     * ({@code respond-async}, {@code handling=lenient}).
     */
    static Set<String> preferences(RequestDetails details) {
        Set<String> preferences = new LinkedHashSet<>();
        List<String> headers = details.getHeaders("Prefer");
        if (headers != null) {
            for (String header : headers) {
                for (String token : header.split("[,;]")) {
                    preferences.add(token.trim().toLowerCase(Locale.ROOT).replace(" ", ""));
                }
            }
        }
        return preferences;
    }

    static InvalidRequestException refused(List<SearchParser.Issue> issues) {
        OperationOutcome outcome = new OperationOutcome();
        issues.forEach(issue -> outcome.addIssue().setSeverity(IssueSeverity.ERROR).setCode(issue.code())
                .setDiagnostics(issue.message()));
        String message = issues.size() == 1 ? issues.get(0).message()
                : String.join(" ", issues.stream().map(SearchParser.Issue::message).toList());
        return new InvalidRequestException(message, outcome);
    }
}
