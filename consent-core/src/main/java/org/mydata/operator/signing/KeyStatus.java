package org.mydata.operator.signing;

/** A key signs new records while active; once retired it only verifies old ones, and is never deleted. */
public enum KeyStatus {
    ACTIVE,
    RETIRED;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
