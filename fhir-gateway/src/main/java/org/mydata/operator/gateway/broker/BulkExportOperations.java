package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
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
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.InstantType;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.verify.access.PersonConsent;
import org.mydata.operator.export.ExportJob;
import org.mydata.operator.export.ExportOutput;
import org.mydata.operator.export.ExportRequest;
import org.mydata.operator.gateway.PublicBaseUrl;
import org.mydata.operator.gateway.pseudonym.Pseudonymiser;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.permit.CohortMember;
import org.mydata.operator.permit.Permits.UsablePermit;
import org.mydata.operator.release.PermitTerms;

/**
 * FHIR Bulk Data Access v2 export (https://hl7.org/fhir/uv/bulkdata/export.html) as HAPI operations, so the
 * server's interceptors apply to them as to every request: {@link PermitGuard} has checked the permit and its
 * researcher before any of these runs, and failures are shaped once, by the server.
 * <ul>
 *   <li>{@code [base]/$export}, {@code [base]/Patient/$export} and {@code [base]/Group/[permitId]/$export}, GET
 *       or POST (a Parameters body), with {@code Prefer: respond-async}: 202 with {@code Content-Location}.
 *       The permit's cohort is its one Group, whose id is the permit's id;</li>
 *   <li>{@code [base]/$export-poll-status?_jobId=}: 202 with {@code X-Progress} while it runs, then 200 with
 *       the manifest, or the job's failure; {@code DELETE} deletes the job and its files;</li>
 *   <li>{@code [base]/$export-file?_jobId=&_type=}: one file, {@code application/fhir+ndjson}. A download
 *       re-decides each line against the consents as they are when it starts and writes its access event
 *       before the first byte.</li>
 * </ul>
 */
public final class BulkExportOperations {
    static final String IG = "http://hl7.org/fhir/uv/bulkdata";
    static final String STATUS = "$export-poll-status";
    static final String FILE = "$export-file";
    private static final Set<String> OUTPUT_FORMATS = Set.of("application/fhir+ndjson", "application/ndjson", "ndjson");
    private static final String NDJSON = "application/fhir+ndjson";
    /** Parameters of the IG this server does not offer: refused, since ignoring them would export too much. */
    private static final Set<String> NOT_OFFERED = Set.of("patient", "includeAssociatedData", "organizeOutputBy",
            "allowPartialManifests", "_until");
    /** HAPI's own presentation parameters, which say nothing about what is exported. */
    private static final Set<String> PRESENTATION = Set.of("_format", "_pretty");

    private final FhirContext fhirContext;
    private final ExportRunner jobs;
    private final Broker broker;
    private final Clock clock;
    private final PublicBaseUrl publicBase;
    private final ObjectMapper json = new ObjectMapper();

    /** @param publicBase the operator's public origin: the kick-off URL recorded is built on it, never on Host */
    public BulkExportOperations(FhirContext fhirContext, ExportRunner jobs, Broker broker, Clock clock,
                                PublicBaseUrl publicBase) {
        this.publicBase = publicBase;
        this.fhirContext = fhirContext;
        this.jobs = jobs;
        this.broker = broker;
        this.clock = clock;
    }

    @Operation(name = "$export", idempotent = true, manualRequest = true, manualResponse = true,
            canonicalUrl = IG + "/OperationDefinition/export")
    public void systemExport(ServletRequestDetails details) throws IOException {
        kickOff(details);
    }

    @Operation(name = "$export", typeName = "Patient", idempotent = true, manualRequest = true,
            manualResponse = true, canonicalUrl = IG + "/OperationDefinition/patient-export")
    public void patientExport(ServletRequestDetails details) throws IOException {
        kickOff(details);
    }

    /** The permit's cohort is its one Group; any other id names no group here. */
    @Operation(name = "$export", typeName = "Group", idempotent = true, manualRequest = true,
            manualResponse = true, canonicalUrl = IG + "/OperationDefinition/group-export")
    public void groupExport(@IdParam IdType group, ServletRequestDetails details) throws IOException {
        if (!group.getIdPart().equals(current().issued().id().toString())) {
            throw new ResourceNotFoundException("No such Group: this base's one Group is its permit's cohort, "
                    + "Group/" + current().issued().id() + ".");
        }
        kickOff(details);
    }

    @Operation(name = STATUS, idempotent = true, deleteEnabled = true, manualRequest = true, manualResponse = true)
    public void status(ServletRequestDetails details) throws IOException {
        GatewayContext.Current current = current();
        ExportJob job = job(current, details);
        HttpServletResponse response = details.getServletResponse();
        if (details.getRequestType() == RequestTypeEnum.DELETE) {
            jobs.delete(job);
            response.setStatus(202);
            return;
        }
        switch (job.state()) {
            case RUNNING -> {
                response.setStatus(202);
                response.setHeader("X-Progress", job.progress());
                response.setHeader("Retry-After", retryAfter(broker.settings().exportPollRetryAfter()));
            }
            case FAILED -> outcome(response, job.failure().status(), IssueSeverity.FATAL,
                    job.failure().status() == 404 ? IssueType.NOTFOUND : IssueType.EXCEPTION, job.failure().message());
            case COMPLETED -> {
                String base = details.getFhirServerBase();
                ObjectNode manifest = json.createObjectNode();
                manifest.put("transactionTime", job.transactionTime().toString());
                manifest.put("request", job.request().kickOff());
                manifest.put("requiresAccessToken", true);
                ArrayNode output = manifest.putArray("output");
                for (ExportOutput file : job.outputs()) {
                    output.addObject().put("type", file.type())
                            .put("url", base + "/" + FILE + "?_jobId=" + job.id() + "&_type=" + file.type())
                            .put("count", file.count());
                }
                manifest.putArray("error");
                // Bulk Data's manifest extension: what was generalised and withheld (docs/gateway.md).
                manifest.putObject("extension").set("deidentification", json.valueToTree(job.deidentification()));
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
    @Operation(name = FILE, idempotent = true, manualRequest = true, manualResponse = true)
    public void file(ServletRequestDetails details) throws IOException {
        GatewayContext.Current current = current();
        ExportJob job = job(current, details);
        String type = single(details, "_type");
        if (type == null || job.output(type).isEmpty()) {
            throw new ResourceNotFoundException("No such export file.");
        }
        UsablePermit permit = current.permit();
        // Names only: the files were de-identified when written; the download decides each line again.
        Pseudonymiser pseudonymiser = new Pseudonymiser(permit.key(), permit.permit().scope().resourceTypes(), clock);
        PermitTerms terms = PermitTerms.of(permit.permit());
        Instant at = clock.instant();
        Map<String, Person> cohort = new HashMap<>();
        for (CohortMember member : broker.cohort(permit, type)) {
            cohort.put(pseudonymiser.id("Patient", member.sourceId(), member.surrogateId()),
                    new Person(member, pseudonymiser.dayShift(member.accountId())));
        }
        HttpServletResponse response = details.getServletResponse();
        // Opened before anything is decided: a DELETE meanwhile cannot take the file from under the download.
        try (BufferedReader counted = Files.newBufferedReader(jobs.keysFile(job, type), StandardCharsets.UTF_8);
             BufferedReader keys = Files.newBufferedReader(jobs.keysFile(job, type), StandardCharsets.UTF_8);
             BufferedReader data = Files.newBufferedReader(jobs.dataFile(job, type), StandardCharsets.UTF_8)) {
            Map<PersonConsent, PersonAccess> persons = new LinkedHashMap<>();
            for (String line = counted.readLine(); line != null; line = counted.readLine()) {
                decide(terms, at, cohort, type, line).ifPresent(one -> persons.merge(one.key(), one,
                        PersonAccess::plus));
            }
            // A consent that ended since the cohort was read leaves its person's lines out, as a search page does.
            Set<UUID> ended = broker.recordAccessOfThoseStillIn(permit, current.caller(), List.of(type),
                    "export-download", List.copyOf(persons.values()));
            response.setStatus(200);
            response.setContentType(NDJSON);
            OutputStream out = response.getOutputStream();
            for (String key = keys.readLine(); key != null; key = keys.readLine()) {
                String line = data.readLine();
                if (line == null) {
                    throw new IllegalStateException("an export file is shorter than its keys");
                }
                if (decide(terms, at, cohort, type, key).filter(one -> !ended.contains(one.reliedOn())).isPresent()) {
                    out.write(line.getBytes(StandardCharsets.UTF_8));
                    out.write('\n');
                }
            }
            out.flush();
        } catch (NoSuchFileException e) {
            throw new ResourceNotFoundException("No such export file.");
        }
    }

    private void kickOff(ServletRequestDetails details) throws IOException {
        GatewayContext.Current current = current();
        HttpServletRequest request = details.getServletRequest();
        Set<String> prefer = StrictSearch.preferences(details);
        if (!prefer.contains("respond-async")) {
            throw new InvalidRequestException("A bulk export needs the header Prefer: respond-async.");
        }
        boolean lenient = prefer.contains("handling=lenient");
        UsablePermit permit = current.permit();
        List<String> permitted = permit.permit().scope().resourceTypes().stream()
                .filter(BrokeredTypes.names()::contains).toList();
        Asked asked = asked(parameters(details), permitted, lenient);
        List<String> exported = asked.types() == null ? permitted : asked.types();
        checkAnswerable(exported, asked);
        String query = request.getQueryString();
        String kickOff = publicBase.url(request.getRequestURI()) + (query == null ? "" : "?" + query);
        ExportJob job = start(permit, current.caller(), new ExportRequest(kickOff, exported, asked.since(),
                asked.filters(), asked.elements()));
        HttpServletResponse response = details.getServletResponse();
        response.setHeader("Content-Location", details.getFhirServerBase() + "/" + STATUS + "?_jobId=" + job.id());
        outcome(response, 202, IssueSeverity.INFORMATION, IssueType.INFORMATIONAL, "The export has started; poll "
                + "the Content-Location for its result.");
    }

    /**
     * What a kick-off asks, as its parameters say it.
     *
     * @param types the types asked ({@code _type}), null for all the permit covers
     */
    private record Asked(List<String> types, Instant since, Map<String, String> filters, List<String> elements) {
    }

    /** Reads the kick-off's parameters; what the gateway does not offer is refused, unless lenient. */
    private static Asked asked(Map<String, List<String>> parameters, List<String> permitted, boolean lenient) {
        List<String> types = null;
        Instant since = null;
        Map<String, String> filters = new LinkedHashMap<>();
        List<String> elements = new ArrayList<>();
        for (Map.Entry<String, List<String>> parameter : parameters.entrySet()) {
            String name = parameter.getKey();
            List<String> values = parameter.getValue();
            switch (name) {
                case "_type" -> {
                    types = types == null ? new ArrayList<>() : types;
                    for (String type : commaSeparated(values)) {
                        if (types.contains(type)) {
                            continue;
                        }
                        if (permitted.contains(type)) {
                            types.add(type);
                        } else if (!lenient) {
                            throw new InvalidRequestException("This permit does not cover " + type + " resources; it "
                                    + "covers " + String.join(", ", permitted) + ".");
                        }
                    }
                }
                case "_outputFormat" -> {
                    for (String value : values) {
                        // An unencoded + in a query string arrives as a space.
                        if (!OUTPUT_FORMATS.contains(value.trim().replace(' ', '+').toLowerCase(Locale.ROOT))) {
                            throw new InvalidRequestException("The only output format is NDJSON (" + NDJSON
                                    + ", application/ndjson or ndjson).");
                        }
                    }
                }
                case "_since" -> since = since(values);
                case "_typeFilter" -> {
                    for (String filter : commaSeparated(values)) {
                        int question = filter.indexOf('?');
                        String type = question < 0 ? filter : filter.substring(0, question);
                        if (filters.put(type, question < 0 ? "" : filter.substring(question + 1)) != null) {
                            throw new InvalidRequestException("One _typeFilter per type: " + type + " has several. "
                                    + "Alternatives of one parameter go in one value, separated by commas.");
                        }
                    }
                }
                case "_elements" -> elements.addAll(commaSeparated(values));
                default -> {
                    if (PRESENTATION.contains(name) || lenient) {
                        continue;
                    }
                    throw new InvalidRequestException("The parameter " + name + " is " + (NOT_OFFERED.contains(name)
                            ? "not offered by" : "unknown to") + " this gateway's export (it takes _type, _since, "
                            + "_typeFilter, _elements and _outputFormat).");
                }
            }
        }
        return new Asked(types, since, filters, elements);
    }

    /** Checked at kick-off, so that what cannot be answered is a 400 here and never a failed job later. */
    private void checkAnswerable(List<String> exported, Asked asked) {
        for (Map.Entry<String, String> filter : asked.filters().entrySet()) {
            if (!exported.contains(filter.getKey())) {
                throw new InvalidRequestException("The _typeFilter for " + filter.getKey() + " is for a type this "
                        + "export does not include; it exports " + String.join(", ", exported) + ".");
            }
            ExportFilters.criteria(BrokeredTypes.of(filter.getKey()), filter.getValue(), asked.since());
        }
        for (String element : asked.elements()) {
            if (!ExportFilters.knownElement(fhirContext, exported, element)) {
                throw new InvalidRequestException("_elements takes top-level elements of the exported types, as "
                        + "element or Type.element; " + element + " is not one.");
            }
        }
    }

    /** Starts the job; a node running its most exports answers 429 with {@code Retry-After}. */
    private ExportJob start(UsablePermit permit, String caller, ExportRequest request) {
        try {
            return jobs.start(permit, caller, request);
        } catch (ExportRunner.TooBusyException e) {
            UnclassifiedServerFailureException busy = new UnclassifiedServerFailureException(429,
                    "Too many exports are running on this server; try again later.");
            busy.addResponseHeader("Retry-After", retryAfter(broker.settings().exportBusyRetryAfter()));
            throw busy;
        }
    }

    /** A {@code Retry-After} in whole seconds, at least one. */
    private static String retryAfter(Duration wait) {
        return String.valueOf(Math.max(1, wait.toSeconds()));
    }

    /** The kick-off's parameters: from the query, and for a POST also from its Parameters body. */
    private Map<String, List<String>> parameters(ServletRequestDetails details) {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        details.getParameters().forEach((name, values) -> parameters.computeIfAbsent(name, n -> new ArrayList<>())
                .addAll(Arrays.asList(values)));
        if (details.getRequestType() != RequestTypeEnum.POST) {
            return parameters;
        }
        byte[] body = details.loadRequestContents();
        if (body == null || body.length == 0) {
            return parameters;
        }
        String contentType = String.valueOf(details.getHeader("Content-Type")).toLowerCase(Locale.ROOT);
        IParser parser = contentType.contains("xml") ? fhirContext.newXmlParser() : fhirContext.newJsonParser();
        Parameters posted;
        try {
            posted = parser.parseResource(Parameters.class, new String(body, StandardCharsets.UTF_8));
        } catch (DataFormatException e) {
            throw new InvalidRequestException("A POST kick-off takes a FHIR Parameters resource as its body.");
        }
        for (Parameters.ParametersParameterComponent parameter : posted.getParameter()) {
            if (parameter.getValue() == null || !parameter.getValue().isPrimitive()) {
                // patient (a Reference) and anything structured: refused by name, like any parameter not offered.
                parameters.computeIfAbsent(parameter.getName(), n -> new ArrayList<>()).add("");
            } else {
                parameters.computeIfAbsent(parameter.getName(), n -> new ArrayList<>())
                        .add(parameter.getValue().primitiveValue());
            }
        }
        return parameters;
    }

    private static Instant since(List<String> values) {
        if (values.size() != 1) {
            throw new InvalidRequestException("_since takes one value.");
        }
        try {
            InstantType instant = new InstantType(values.get(0).trim().replace(' ', '+'));
            if (instant.getValue() == null) {
                throw new IllegalArgumentException("empty");
            }
            return instant.getValue().toInstant();
        } catch (RuntimeException e) {
            throw new InvalidRequestException("_since takes a FHIR instant with a time zone, e.g. "
                    + "2024-01-01T00:00:00Z.");
        }
    }

    private static List<String> commaSeparated(List<String> values) {
        List<String> items = new ArrayList<>();
        for (String value : values) {
            for (String item : value.split(",")) {
                if (!item.isBlank()) {
                    items.add(item.trim());
                }
            }
        }
        return items;
    }

    private static GatewayContext.Current current() {
        return GatewayContext.get().orElseThrow(() -> new ResourceNotFoundException("No FHIR base at this address."));
    }

    private ExportJob job(GatewayContext.Current current, ServletRequestDetails details) {
        String id = single(details, "_jobId");
        UUID jobId;
        try {
            jobId = UUID.fromString(id == null ? "" : id);
        } catch (IllegalArgumentException e) {
            throw new ResourceNotFoundException("No such export job.");
        }
        return jobs.find(current.issued().id(), current.caller(), jobId)
                .orElseThrow(() -> new ResourceNotFoundException("No such export job."));
    }

    private static String single(ServletRequestDetails details, String name) {
        String[] values = details.getParameters().get(name);
        return values == null || values.length != 1 ? null : values[0];
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
        ExportRunner.Key key = ExportRunner.Key.parse(keyLine);
        Person person = cohort.get(key.person());
        if (person == null) {
            return Optional.empty();
        }
        CohortMember member = person.member();
        LocalDate day = key.shiftedDay() == null ? null : key.shiftedDay().minusDays(person.dayShift());
        return Broker.grantFor(permit, member, type, day, at)
                .map(grant -> grant.access(1));
    }

    /** An answer the export gives as content (a started job, a job's own failure), not as a failed request. */
    private void outcome(HttpServletResponse response, int status, IssueSeverity severity, IssueType code, String text)
            throws IOException {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(severity).setCode(code).setDiagnostics(text);
        response.setStatus(status);
        response.setContentType("application/fhir+json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write(fhirContext.newJsonParser().encodeResourceToString(outcome));
    }

    /**
     * A download that fails after its first byte must not end as if it were whole: instead of HAPI writing an
     * OperationOutcome into the middle of the NDJSON, the failure goes on to the servlet container, which drops
     * the connection, so the client sees a broken transfer. (The server's shaping has logged it already.)
     */
    public static final class BrokenOffDownloads {
        @Hook(Pointcut.SERVER_HANDLE_EXCEPTION)
        public boolean handle(HttpServletResponse response, BaseServerResponseException failure) {
            if (response.isCommitted()) {
                throw new IllegalStateException("a response failed after its first byte was sent");
            }
            return true;
        }
    }
}
