package org.mydata.operator.request;

import java.util.Locale;

/** A data request waits for the programme's stewards, who approve it once or reject it once. */
public enum RequestStatus {
    PENDING,
    APPROVED,
    REJECTED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
