package org.mydata.operator.statistics;

import java.security.SecureRandom;

/**
 * A person's record key: a fixed random number in [0,1) that the operator draws once and keeps with the
 * person, never shows, and sums (modulo 1) over the persons of a statistical cell to get the cell's key.
 * Because the key is fixed, the same persons always make the same cell key and so the same noise.
 */
public final class RecordKeys {
    private static final double ULP_53 = 0x1.0p-53;

    private RecordKeys() {
    }

    /** A new record key: 53 uniform random bits, so every double in the grid is equally likely. */
    public static double newKey(SecureRandom random) {
        return (random.nextLong() >>> 11) * ULP_53;
    }
}
