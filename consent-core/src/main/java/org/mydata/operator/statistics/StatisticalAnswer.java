package org.mydata.operator.statistics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The protected content of a statistical answer: a table whose suppressed values are null. The service
 * adds {@code basedOn} and the signed {@code record} around it.
 *
 * @param columns    group columns first, then measure columns
 * @param rows       one list of values per cell, in column order; a group value {@code "*"} means "all"
 *                   (a margin or the total), a null group value means the value was missing
 * @param suppressed how many measure values are null because they were suppressed
 * @param protection the method and parameters that protected the values
 */
public record StatisticalAnswer(List<AnswerColumn> columns, List<List<Object>> rows, int suppressed, Protection protection) {
    /** The group value of the margin and total rows. */
    public static final String ALL = "*";

    public StatisticalAnswer {
        columns = List.copyOf(columns);
        List<List<Object>> copied = new ArrayList<>(rows.size());
        for (List<Object> row : rows) {
            if (row.size() != columns.size()) {
                throw new IllegalArgumentException("a row has " + row.size() + " values for " + columns.size() + " columns");
            }
            copied.add(Collections.unmodifiableList(new ArrayList<>(row)));
        }
        rows = Collections.unmodifiableList(copied);
    }

    /** The answer as JSON-able maps and lists (values: String, Long, BigDecimal or null). */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("columns", columns.stream().map(c -> Map.<String, Object>of("name", c.name(), "type", c.type())).toList());
        json.put("rows", rows);
        json.put("suppressed", suppressed);
        Map<String, Object> method = new LinkedHashMap<>();
        method.put("method", protection.method());
        method.put("threshold", protection.threshold());
        method.put("parameters", protection.parameters());
        json.put("protection", method);
        return json;
    }

    /** The value of a named column in a row; for tests and the CSV form. */
    public Object value(List<Object> row, String column) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(column)) {
                return row.get(i);
            }
        }
        throw new IllegalArgumentException("no column " + column);
    }
}
