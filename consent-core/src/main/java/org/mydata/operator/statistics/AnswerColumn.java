package org.mydata.operator.statistics;

import java.util.Objects;

/**
 * A column of a statistical answer.
 *
 * @param name the name the request gave it (a group's {@code as}, or a measure's name)
 * @param type {@code string} for group values, {@code integer} for counts, {@code decimal} for magnitudes
 */
public record AnswerColumn(String name, String type) {
    public AnswerColumn {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }
}
