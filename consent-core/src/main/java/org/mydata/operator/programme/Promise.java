package org.mydata.operator.programme;

import java.util.Arrays;
import java.util.Optional;

/**
 * A commitment a programme declares to its donors beyond the law's minimum. A small closed list, so that each
 * reads the same in every consent text and every language, and a person can compare programmes by it; its words
 * in each language are part of the signed consent text ({@code ConsentText}).
 */
public enum Promise {
    NON_COMMERCIAL("non-commercial"),
    RESULTS_PUBLISHED("results-published"),
    DATA_STAYS_IN_EEA("stays-in-eea");

    private final String code;

    Promise(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** In English, in the signer's voice. */
    public String plainWords() {
        return plainWords(Language.EN);
    }

    /** In the signer's voice in that language ({@code promise.<code>} in {@link Language}'s bundle). */
    public String plainWords(Language language) {
        return language.words("promise." + code);
    }

    static Optional<Promise> fromCode(String code) {
        return Arrays.stream(values()).filter(p -> p.code.equals(code)).findFirst();
    }
}
