package org.mydata.operator.gateway.pseudonym;

import java.util.Map;

/** What a de-identification profile says of one element: a leaf action, or the rules of its children. */
sealed interface Rule {

    /** Actions on an element as a whole; their meaning is written at the top of profiles.yaml. */
    enum Action implements Rule {
        KEEP("keep"),
        KEEP_CODED("keep-coded"),
        SHIFT("shift"),
        PSEUDONYMISE("pseudonymise"),
        BIRTH_YEAR("generalise:birth-year"),
        DECEASED("generalise:deceased"),
        DROP("drop");

        private final String word;

        Action(String word) {
            this.word = word;
        }

        String word() {
            return word;
        }

        static Action ofWord(String word) {
            for (Action action : values()) {
                if (action.word.equals(word)) {
                    return action;
                }
            }
            return null;
        }
    }

    /** An element released in part: each child by its own rule, any child not named dropped. */
    record Children(Map<String, Rule> rules) implements Rule {
        public Children {
            rules = Map.copyOf(rules);
        }
    }
}
