package org.mydata.operator.verify.audit;

import java.util.Objects;

/**
 * One thing a verifier checked.
 *
 * @param name   what kind of check, from a small fixed vocabulary ({@code signature}, {@code chain},
 *               {@code inclusion}, ...), so reports can be scanned and grepped
 * @param detail which record (kind, log index, id) and, when it failed, why
 */
public record Check(String name, boolean passed, String detail) {
    public Check {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(detail, "detail");
    }

    public static Check pass(String name, String detail) {
        return new Check(name, true, detail);
    }

    public static Check fail(String name, String detail) {
        return new Check(name, false, detail);
    }
}
