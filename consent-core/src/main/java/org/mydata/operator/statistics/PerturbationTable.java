package org.mydata.operator.statistics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The published perturbation tables of the cell-key method (as the Australian Bureau of Statistics'
 * TableBuilder does it): a cell's noise is looked up by its count and its cell key, never drawn at random,
 * so the same persons always get the same noise and repeating a question gains nothing.
 *
 * <p>Counts: the key selects one of {@value #BUCKETS} equally likely buckets. Each row of the table is
 * zero-mean, and a count at or above the threshold is never released below it (nor negative):
 * <pre>
 *   true count      noise by bucket 0..19
 *   threshold       0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
 *   threshold+1    -1 -1 -1 -1 -1 -1 -1 0 0 0 0 0 0 1 1 1 1 1 1 1
 *   threshold+2..  -2 -2 -2 -2 -1 -1 -1 -1 0 0 0 0 1 1 1 1 2 2 2 2
 * </pre>
 *
 * <p>Magnitudes (means, quantiles): the noise is a multiplier times the value's standard error
 * (standard deviation / sqrt(persons)), the multiplier chosen by the position of the key inside its count
 * bucket ({@code frac(20 × key)}), so it is independent of the count's noise. The multipliers are
 * zero-mean and never zero, so no magnitude is released exactly.
 */
public final class PerturbationTable {
    public static final int BUCKETS = 20;

    private static final int[][] COUNT_NOISE = {
            {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
            {-1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1},
            {-2, -2, -2, -2, -1, -1, -1, -1, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2},
    };
    private static final double[] MAGNITUDE_MULTIPLIERS = {-1.0, -0.75, -0.5, -0.25, 0.25, 0.5, 0.75, 1.0};

    private PerturbationTable() {
    }

    /** The noise of a count at or above the threshold, for a cell key in [0,1). */
    public static int countNoise(long count, int threshold, double cellKey) {
        if (count < threshold) {
            throw new IllegalArgumentException("counts below the threshold are suppressed, not perturbed");
        }
        int row = (int) Math.min(count - threshold, COUNT_NOISE.length - 1);
        return COUNT_NOISE[row][bucket(cellKey)];
    }

    /** The multiplier of a magnitude's standard error, for a cell key in [0,1). */
    public static double magnitudeMultiplier(double cellKey) {
        double within = cellKey * BUCKETS - Math.floor(cellKey * BUCKETS);
        return MAGNITUDE_MULTIPLIERS[Math.min((int) (within * MAGNITUDE_MULTIPLIERS.length), MAGNITUDE_MULTIPLIERS.length - 1)];
    }

    /** The sum of keys modulo 1: adding or removing one person moves the key by that person's random key. */
    public static double cellKey(double sumOfRecordKeys) {
        return sumOfRecordKeys - Math.floor(sumOfRecordKeys);
    }

    private static int bucket(double cellKey) {
        return Math.min((int) (cellKey * BUCKETS), BUCKETS - 1);
    }

    /** The tables verbatim, for {@link Protection#parameters()}. */
    static Map<String, Object> published() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("cellKey", "sum of the contributing persons' fixed random record keys, modulo 1");
        json.put("cellKeyBuckets", BUCKETS);
        List<Map<String, Object>> rows = new ArrayList<>();
        String[] counts = {"threshold", "threshold+1", "threshold+2 and more"};
        for (int i = 0; i < COUNT_NOISE.length; i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("trueCount", counts[i]);
            List<Integer> noise = new ArrayList<>();
            for (int n : COUNT_NOISE[i]) {
                noise.add(n);
            }
            row.put("noiseByBucket", noise);
            rows.add(row);
        }
        json.put("countNoise", rows);
        List<Double> multipliers = new ArrayList<>();
        for (double m : MAGNITUDE_MULTIPLIERS) {
            multipliers.add(m);
        }
        json.put("magnitudeMultipliers", multipliers);
        json.put("magnitudeNoise", "multiplier[floor(8 × frac(20 × cell key))] × standard deviation / sqrt(persons)");
        return json;
    }
}
