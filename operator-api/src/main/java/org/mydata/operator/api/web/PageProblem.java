package org.mydata.operator.api.web;

/**
 * A problem to show on a page: {@code key} names the sentence in the message bundle, in the reader's
 * language; {@code detail} is the operator's own explanation (domain messages are written to be shown,
 * and never carry personal data or internals), or null.
 */
public record PageProblem(String key, String detail) implements java.io.Serializable {
}
