package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.mydata.operator.access.PersonAccess;
import org.mydata.operator.access.PersonConsent;
import org.mydata.operator.gateway.PublicBaseUrl;
import org.mydata.operator.gateway.pseudonym.Pseudonymiser;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.permit.CohortMember;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.permit.Permits.UsablePermit;
import org.mydata.operator.release.PermitTerms;
import org.mydata.operator.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FHIR Bulk Data export through the gateway, the asynchronous request pattern of
 * https://hl7.org/fhir/uv/bulkdata/export.html, under each permit's base:
 * <ul>
 *   <li>{@code GET [base]/$export} and {@code GET [base]/Patient/$export} with {@code Prefer: respond-async}
 *       start a job: 202 with {@code Content-Location: [base]/$export-status/{job}};</li>
 *   <li>{@code GET [base]/$export-status/{job}}: 202 with {@code X-Progress} while it runs, then 200 with the
 *       manifest, or the job's failure as an OperationOutcome; {@code DELETE} deletes the job and its files;</li>
 *   <li>{@code GET [base]/$export-file/{job}/{Type}.ndjson}: one file, {@code application/fhir+ndjson}.</li>
 * </ul>
 * Every URL is checked as every gateway request is: only the permit's researcher, only while the permit is
 * usable, 404 for anyone else. A download re-decides each line against the consents as they are when it
 * starts (a person who has withdrawn since the export is left out) and writes its access event first.
 */
public final class BulkExport {
    private static final Logger log = LoggerFactory.getLogger(BulkExport.class);
    static final String KICK_OFF = "$export";
    static final String STATUS = "$export-status";
    static final String FILE = "$export-file";
    private static final Set<String> OUTPUT_FORMATS = Set.of("application/fhir+ndjson", "application/ndjson", "ndjson");
    private static final String NDJSON = "application/fhir+ndjson";
    private static final String NOT_HERE = "No FHIR base at this address.";

    private final FhirContext fhirContext;
    private final Permits permits;
    private final ExportJobs jobs;
    private final Broker broker;
    private final Function<HttpServletRequest, Optional<String>> callers;
    private final Clock clock;
    private final PublicBaseUrl publicBase;
    private final ObjectMapper json = new ObjectMapper();

    /** @param callers the authenticated subject of a request, as the edge's security layer established it */
    public BulkExport(FhirContext fhirContext, Permits permits, ExportJobs jobs, Broker broker,
                      Function<HttpServletRequest, Optional<String>> callers, Clock clock, PublicBaseUrl publicBase) {
        this.fhirContext = fhirContext;
        this.publicBase = publicBase;
        this.permits = permits;
        this.jobs = jobs;
        this.broker = broker;
        this.callers = callers;
        this.clock = clock;
    }

    /** Whether the request is one of the export's: any path with a segment starting {@code $export}. */
    boolean handles(HttpServletRequest request) {
        return segments(request).stream().anyMatch(s -> s.startsWith(KICK_OFF));
    }

    void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            List<String> path = segments(request);
            UUID permitId = uuid(path.get(0)).orElse(null);
            String caller = callers.apply(request).orElse(null);
            Optional<UsablePermit> found = permitId == null || caller == null ? Optional.empty()
                    : permits.forUse(permitId, caller, clock.instant());
            if (found.isEmpty()) {
                outcome(response, 404, IssueType.NOTFOUND, NOT_HERE);
                return;
            }
            UsablePermit permit = found.get();
            String method = request.getMethod();
            if (path.equals(List.of(path.get(0), KICK_OFF)) || path.equals(List.of(path.get(0), "Patient", KICK_OFF))) {
                if (allowed(response, method, "GET")) {
                    kickOff(request, response, permit, caller);
                }
            } else if (path.size() == 3 && path.get(1).equals(STATUS)) {
                Optional<ExportJob> job = job(permit, caller, path.get(2));
                if (job.isEmpty()) {
                    outcome(response, 404, IssueType.NOTFOUND, "No such export job.");
                } else if (method.equals("DELETE")) {
                    jobs.delete(job.get());
                    response.setStatus(202);
                } else if (allowed(response, method, "GET, DELETE")) {
                    status(request, response, permit, job.get());
                }
            } else if (path.size() == 4 && path.get(1).equals(FILE)) {
                Optional<ExportJob> job = job(permit, caller, path.get(2));
                Optional<ExportJob.Output> output = job.flatMap(j -> j.output(path.get(3)));
                if (output.isEmpty()) {
                    outcome(response, 404, IssueType.NOTFOUND, "No such export file.");
                } else if (allowed(response, method, "GET")) {
                    download(response, permit, caller, job.get(), output.get());
                }
            } else if (path.size() == 4 && path.get(1).equals("Group") && path.get(3).equals(KICK_OFF)) {
                outcome(response, 400, IssueType.NOTSUPPORTED, "Group export is not supported: a permit's base "
                        + "exports its whole cohort, with $export or Patient/$export.");
            } else {
                outcome(response, 404, IssueType.NOTFOUND, "No such export URL.");
            }
        } catch (RuntimeException e) {
            String incident = UUID.randomUUID().toString();
            log.error("incident {}: bulk export failure ({})", incident,
                    e instanceof StoreException ? "database" : e.getClass().getName(), e);
            if (response.isCommitted()) {
                // Halfway through a file: the connection is dropped, so the client cannot take it for whole.
                throw new IOException("export download failed (incident " + incident + ")");
            }
            response.reset();
            outcome(response, 500, IssueType.EXCEPTION, "The gateway could not complete the request; nothing "
                    + "was released (incident " + incident + ").");
        }
    }

    private void kickOff(HttpServletRequest request, HttpServletResponse response, UsablePermit permit, String caller)
            throws IOException {
        Set<String> prefer = new LinkedHashSet<>();
        for (String header : Collections.list(request.getHeaders("Prefer"))) {
            Arrays.stream(header.split("[,;]")).map(t -> t.trim().toLowerCase(Locale.ROOT).replace(" ", ""))
                    .forEach(prefer::add);
        }
        if (!prefer.contains("respond-async")) {
            outcome(response, 400, IssueType.INVALID, "A bulk export needs the header Prefer: respond-async.");
            return;
        }
        boolean lenient = prefer.contains("handling=lenient");
        List<String> permitted = permit.permit().scope().resourceTypes().stream()
                .filter(BrokeredTypes.names()::contains).toList();
        List<String> types = null;
        for (Map.Entry<String, String[]> parameter : request.getParameterMap().entrySet()) {
            String name = parameter.getKey();
            if (name.equals("_type")) {
                types = types == null ? new ArrayList<>() : types;
                for (String value : parameter.getValue()) {
                    for (String type : value.split(",")) {
                        String t = type.trim();
                        if (t.isEmpty() || types.contains(t)) {
                            continue;
                        }
                        if (permitted.contains(t)) {
                            types.add(t);
                        } else if (!lenient) {
                            outcome(response, 400, IssueType.NOTSUPPORTED, "This permit does not cover " + t
                                    + " resources; it covers " + String.join(", ", permitted) + ".");
                            return;
                        }
                    }
                }
            } else if (name.equals("_outputFormat")) {
                for (String value : parameter.getValue()) {
                    // An unencoded + in a query string arrives as a space.
                    if (!OUTPUT_FORMATS.contains(value.trim().replace(' ', '+').toLowerCase(Locale.ROOT))) {
                        outcome(response, 400, IssueType.NOTSUPPORTED, "The only output format is NDJSON ("
                                + NDJSON + ").");
                        return;
                    }
                }
            } else if (!lenient) {
                outcome(response, 400, IssueType.NOTSUPPORTED, "The parameter " + name + " is not supported by this "
                        + "gateway's export (it takes _type and _outputFormat).");
                return;
            }
        }
        String query = request.getQueryString();
        String kickOff = publicBase.url(request.getRequestURI()) + (query == null ? "" : "?" + query);
        ExportJob job;
        try {
            job = jobs.start(permit, caller, kickOff, types == null ? permitted : types);
        } catch (ExportJobs.TooBusyException e) {
            response.setHeader("Retry-After", "60");
            outcome(response, 429, IssueType.THROTTLED,
                    "Too many exports are running on this server; try again later.");
            return;
        }
        response.setHeader("Content-Location", base(request, permit) + "/" + STATUS + "/" + job.id());
        outcome(response, 202, IssueSeverity.INFORMATION, IssueType.INFORMATIONAL, "The export has started; poll "
                + "the Content-Location for its result.");
    }

    private void status(HttpServletRequest request, HttpServletResponse response, UsablePermit permit, ExportJob job)
            throws IOException {
        switch (job.state()) {
            case RUNNING -> {
                response.setStatus(202);
                response.setHeader("X-Progress", job.progress());
                response.setHeader("Retry-After", "2");
            }
            case FAILED -> outcome(response, job.failure().status(),
                    job.failure().status() == 404 ? IssueType.NOTFOUND : IssueType.EXCEPTION, job.failure().message());
            case COMPLETED -> {
                String base = base(request, permit);
                ObjectNode manifest = json.createObjectNode();
                manifest.put("transactionTime", job.transactionTime().toString());
                manifest.put("request", job.request());
                manifest.put("requiresAccessToken", true);
                ArrayNode output = manifest.putArray("output");
                for (ExportJob.Output file : job.outputs()) {
                    output.addObject().put("type", file.type())
                            .put("url", base + "/" + FILE + "/" + job.id() + "/" + file.file())
                            .put("count", file.count());
                }
                manifest.putArray("error");
                response.setStatus(200);
                response.setHeader("Expires", DateTimeFormatter.RFC_1123_DATE_TIME
                        .format(job.finishedAt().plus(jobs.retention()).atOffset(ZoneOffset.UTC)));
                response.setContentType("application/json");
                response.setCharacterEncoding(StandardCharsets.UTF_8.name());
                response.getWriter().write(json.writeValueAsString(manifest));
            }
        }
    }

    /**
     * Streams one file. The cohort is read when the download starts; each line goes only if its person is
     * still in it with a consent that covers the line, and the access event of exactly those lines is
     * written before the first byte.
     */
    private void download(HttpServletResponse response, UsablePermit permit, String caller, ExportJob job,
                          ExportJob.Output output) throws IOException {
        String type = output.type();
        Pseudonymiser pseudonymiser = broker.pseudonymiser(permit);
        PermitTerms terms = PermitTerms.of(permit.permit());
        Instant at = clock.instant();
        Map<String, Person> cohort = new HashMap<>();
        for (CohortMember member : broker.cohort(permit, type)) {
            cohort.put(pseudonymiser.id("Patient", member.sourceId(), member.surrogateId()),
                    new Person(member, pseudonymiser.dayShift(member.accountId())));
        }
        // Opened before anything is decided: a DELETE meanwhile cannot take the file from under the download.
        try (BufferedReader counted = Files.newBufferedReader(jobs.keysFile(job, output), StandardCharsets.UTF_8);
             BufferedReader keys = Files.newBufferedReader(jobs.keysFile(job, output), StandardCharsets.UTF_8);
             BufferedReader data = Files.newBufferedReader(jobs.dataFile(job, output), StandardCharsets.UTF_8)) {
            Map<PersonConsent, PersonAccess> persons = new LinkedHashMap<>();
            for (String line = counted.readLine(); line != null; line = counted.readLine()) {
                decide(terms, at, cohort, type, line).ifPresent(one -> persons.merge(one.key(), one,
                        PersonAccess::plus));
            }
            broker.recordAccess(permit, caller, List.of(type), "export-download", List.copyOf(persons.values()));
            response.setStatus(200);
            response.setContentType(NDJSON);
            OutputStream out = response.getOutputStream();
            for (String key = keys.readLine(); key != null; key = keys.readLine()) {
                String line = data.readLine();
                if (line == null) {
                    throw new IOException("the export file " + output.file() + " is shorter than its keys");
                }
                if (decide(terms, at, cohort, type, key).isPresent()) {
                    out.write(line.getBytes(StandardCharsets.UTF_8));
                    out.write('\n');
                }
            }
            out.flush();
        } catch (NoSuchFileException e) {
            outcome(response, 404, IssueType.NOTFOUND, "No such export file.");
        }
    }

    /** A cohort member at download time, with their day shift in this permit. */
    private record Person(CohortMember member, int dayShift) {
    }

    /**
     * The person and consent a line goes out under at {@code at}, as the release policy decides, with a count
     * of one; empty if it may not go.
     */
    private static Optional<PersonAccess> decide(PermitTerms permit, Instant at, Map<String, Person> cohort,
                                                 String type, String keyLine) {
        ExportJobs.Key key = ExportJobs.Key.parse(keyLine);
        Person person = cohort.get(key.person());
        if (person == null) {
            return Optional.empty();
        }
        CohortMember member = person.member();
        LocalDate day = key.shiftedDay() == null ? null : key.shiftedDay().minusDays(person.dayShift());
        return Broker.grantFor(permit, member, type, day, at)
                .map(grant -> new PersonAccess(member.accountId(), grant.consentId(), 1));
    }

    private Optional<ExportJob> job(UsablePermit permit, String caller, String id) {
        return uuid(id).flatMap(jobId -> jobs.find(permit.permit().id(), jobId))
                .filter(job -> job.researcher().equals(caller));
    }

    private boolean allowed(HttpServletResponse response, String method, String allow) throws IOException {
        if (Arrays.stream(allow.split(", ")).anyMatch(method::equals)) {
            return true;
        }
        response.setHeader("Allow", allow);
        outcome(response, 405, IssueType.NOTSUPPORTED, "This URL takes " + allow + ".");
        return false;
    }

    /** The permit's FHIR base on the operator's public origin; the request's Host header is not trusted. */
    private String base(HttpServletRequest request, UsablePermit permit) {
        return publicBase.url(request.getContextPath() + request.getServletPath() + "/" + permit.permit().id());
    }

    private static List<String> segments(HttpServletRequest request) {
        String path = request.getPathInfo();
        if (path == null) {
            return List.of("");
        }
        List<String> segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
        return segments.isEmpty() ? List.of("") : segments;
    }

    private static Optional<UUID> uuid(String text) {
        try {
            return Optional.of(UUID.fromString(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private void outcome(HttpServletResponse response, int status, IssueType code, String text) throws IOException {
        outcome(response, status, IssueSeverity.ERROR, code, text);
    }

    private void outcome(HttpServletResponse response, int status, IssueSeverity severity, IssueType code, String text)
            throws IOException {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(severity).setCode(code).setDiagnostics(text);
        response.setStatus(status);
        response.setContentType("application/fhir+json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write(fhirContext.newJsonParser().encodeResourceToString(outcome));
    }
}
