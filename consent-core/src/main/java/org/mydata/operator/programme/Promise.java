package org.mydata.operator.programme;

import java.util.Arrays;
import java.util.Optional;

/**
 * A commitment a programme declares to its donors beyond the law's minimum. A small closed list, so that each
 * reads the same in every consent text and every language, and a person can compare programmes by it; the
 * English words are part of the signed consent text ({@code ConsentText}).
 */
public enum Promise {
    NON_COMMERCIAL("non-commercial", "no one may use my data to make a profit: the research is non-commercial"),
    RESULTS_PUBLISHED("results-published", "the research results are published openly for everyone"),
    DATA_STAYS_IN_EEA("stays-in-eea", "my data is processed only in the European Economic Area");

    private final String code;
    private final String plainWords;

    Promise(String code, String plainWords) {
        this.code = code;
        this.plainWords = plainWords;
    }

    public String code() {
        return code;
    }

    public String plainWords() {
        return plainWords;
    }

    public static Optional<Promise> fromCode(String code) {
        return Arrays.stream(values()).filter(p -> p.code.equals(code)).findFirst();
    }
}
