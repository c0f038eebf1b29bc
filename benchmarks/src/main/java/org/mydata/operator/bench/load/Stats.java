package org.mydata.operator.bench.load;

import java.util.Arrays;

final class Stats {
    private Stats() {
    }

    /** Nearest-rank percentile, p in [0, 100]; NaN for no samples. */
    static double percentile(long[] samples, double p) {
        if (samples.length == 0) {
            return Double.NaN;
        }
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double percentileMs(long[] nanos, double p) {
        return percentile(nanos, p) / 1e6;
    }
}
