package org.mydata.operator.export;

import java.util.Locale;

/** Where a bulk export stands; a deleted job has no state, it is gone. */
public enum ExportState {
    RUNNING, COMPLETED, FAILED;

    String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    static ExportState fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
