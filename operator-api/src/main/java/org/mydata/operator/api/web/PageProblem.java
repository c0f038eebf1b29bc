package org.mydata.operator.api.web;

import java.util.List;

/**
 * A problem to show on a page: {@code key} names the sentence in the message bundle, in the reader's
 * language, and {@code args} fill it (names the person knows, such as a source's). {@code detail} is the
 * operator's own technical explanation (a domain message, in English, for developers): it is never shown on a
 * page, only written to the debug log, since a person reads the sentence of {@code key} instead.
 */
public record PageProblem(String key, String detail, List<String> args) implements java.io.Serializable {
    public PageProblem {
        args = args == null ? List.of() : List.copyOf(args);
    }

    public PageProblem(String key, String detail) {
        this(key, detail, List.of());
    }

    /** The arguments as the templates' {@code #messages.msgWithParams} takes them. */
    public Object[] params() {
        return args.toArray();
    }
}
