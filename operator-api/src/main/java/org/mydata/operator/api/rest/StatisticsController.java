package org.mydata.operator.api.rest;

import java.security.Principal;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.gateway.statistics.StatisticsAnswering;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.permit.Permits.UsablePermit;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.util.MimeTypeUtils;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/permits/{permitId}/statistics}: a statistical request under a permit, answered with a
 * protected, signed table (docs/statistics.md, "The endpoint"). Only the permit's researcher, while the permit is
 * usable, as at {@code /fhir/{permitId}}: anyone else learns nothing (404).
 */
@RestController
public class StatisticsController {
    /** The response header that carries an answer's signed record when the answer is CSV. */
    public static final String RECORD_HEADER = "Statistics-Record";
    static final MediaType CSV = MediaType.parseMediaType("text/csv;charset=UTF-8");

    private final StatisticsAnswering answering;
    private final Permits permits;
    private final Clock clock;

    public StatisticsController(StatisticsAnswering answering, Permits permits, Clock clock) {
        this.answering = answering;
        this.permits = permits;
        this.clock = clock;
    }

    /**
     * The answer as JSON, or as CSV when the caller prefers {@code text/csv}: then the table alone, its signed
     * record in {@value #RECORD_HEADER}.
     */
    @PostMapping(path = "/api/v1/permits/{permitId}/statistics")
    public ResponseEntity<?> answer(@PathVariable UUID permitId, @RequestBody String request, Principal caller,
                                    @RequestHeader(value = HttpHeaders.ACCEPT, required = false) String accept) {
        StatisticsAnswering.Answer answer = answering.answer(permit(permitId, caller), caller.getName(), request);
        if (prefersCsv(accept)) {
            return ResponseEntity.ok().contentType(CSV).header(RECORD_HEADER, answer.record())
                    .body(csv(answer.content()));
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(answer.json());
    }

    /** Whether text/csv is acceptable and preferred to JSON (by quality, then by order). */
    static boolean prefersCsv(String accept) {
        if (accept == null || accept.isBlank()) {
            return false;
        }
        List<MediaType> types;
        try {
            types = new java.util.ArrayList<>(MediaType.parseMediaTypes(accept));
        } catch (org.springframework.util.InvalidMimeTypeException e) {
            return false;
        }
        MimeTypeUtils.sortBySpecificity(types);
        types.sort(java.util.Comparator.comparingDouble(MediaType::getQualityValue).reversed());
        for (MediaType type : types) {
            if (type.isCompatibleWith(MediaType.APPLICATION_JSON)) {
                return false;
            }
            if (type.isCompatibleWith(CSV)) {
                return true;
            }
        }
        return false;
    }

    /** The permit, if the caller holds it and it is usable now, as the gateway's guard finds it. */
    private UsablePermit permit(UUID permitId, Principal caller) {
        return permits.forUse(permitId, caller.getName(), clock.instant())
                .orElseThrow(() -> new NotFoundException("no usable permit " + permitId + " of yours"));
    }

    /** RFC 4180: a header of the column names, one line per row, a suppressed value empty. */
    static String csv(Map<String, Object> content) {
        StringBuilder out = new StringBuilder();
        List<?> columns = (List<?>) content.get("columns");
        for (int i = 0; i < columns.size(); i++) {
            out.append(i == 0 ? "" : ",").append(field(((Map<?, ?>) columns.get(i)).get("name")));
        }
        out.append("\r\n");
        for (Object row : (List<?>) content.get("rows")) {
            List<?> values = (List<?>) row;
            for (int i = 0; i < values.size(); i++) {
                out.append(i == 0 ? "" : ",").append(field(values.get(i)));
            }
            out.append("\r\n");
        }
        return out.toString();
    }

    private static String field(Object value) {
        if (value == null) {
            return "";
        }
        String text = value instanceof java.math.BigDecimal d ? d.toPlainString() : value.toString();
        return text.matches("[^\",\r\n]*") ? text : "\"" + text.replace("\"", "\"\"") + "\"";
    }
}
