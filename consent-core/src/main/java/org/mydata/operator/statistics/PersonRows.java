package org.mydata.operator.statistics;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One person's rows of a statistical request's views, as the service hands them to the engine: an opaque
 * key (never the person's identity) and the person's fixed record key for cell-key perturbation.
 *
 * @param personKey      opaque, only to tell persons apart inside one answer
 * @param recordKey      the person's fixed random record key in [0,1), see {@link RecordKeys}
 * @param rowsByViewHash the person's rows of each view, by {@code CompiledView.hash()}; a missing view means no rows
 */
public record PersonRows(UUID personKey, double recordKey, Map<String, List<Map<String, Object>>> rowsByViewHash) {
    public PersonRows {
        Objects.requireNonNull(personKey, "personKey");
        if (!(recordKey >= 0 && recordKey < 1)) {
            throw new IllegalArgumentException("a record key lies in [0,1)");
        }
        rowsByViewHash = Map.copyOf(rowsByViewHash);
    }

    /** The person's rows of one view; none when the view was not evaluated for them. */
    List<Map<String, Object>> rows(String viewHash) {
        return rowsByViewHash.getOrDefault(viewHash, List.of());
    }
}
