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
 * <p>Counts: the key selects one of {@value #BUCKETS} equally likely buckets. The one row of the table is
 * zero-mean and applies to every true count, the threshold's neighbours included; suppression then compares
 * the PERTURBED count with the threshold (as the ABS does), so whether a true count is just under or just
 * at the threshold is not a yes/no answer, and no released count is below the threshold:
 * <pre>
 *   true count      noise by bucket 0..19
 *   any            -2 -2 -2 -2 -1 -1 -1 -1 0 0 0 0 1 1 1 1 2 2 2 2
 * </pre>
 *
 * <p>Magnitudes (sums, means, quantiles): the noise is a multiplier times a scale, the larger of the
 * value's standard error (standard deviation / sqrt(persons)) and a floor of {@value #MAGNITUDE_FLOOR_SHARE}
 * of the mean absolute value (at least {@value #MAGNITUDE_FLOOR_MINIMUM}), so a cell whose values do not
 * spread still gets noise. The multiplier is chosen by the position of the key inside its count bucket
 * ({@code frac(20 × key)}), so it is independent of the count's noise. The multipliers are zero-mean and
 * never zero, so no magnitude is released exactly.
 */
public final class PerturbationTable {
    public static final int BUCKETS = 20;

    /** The magnitude noise's floor, as a share of the cell's mean absolute value. */
    public static final double MAGNITUDE_FLOOR_SHARE = 0.05;
    /** The magnitude noise's floor, whatever the values' size. */
    public static final double MAGNITUDE_FLOOR_MINIMUM = 0.01;

    private static final int[] COUNT_NOISE = {-2, -2, -2, -2, -1, -1, -1, -1, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2};
    private static final double[] MAGNITUDE_MULTIPLIERS = {-1.0, -0.75, -0.5, -0.25, 0.25, 0.5, 0.75, 1.0};

    private PerturbationTable() {
    }

    /** The noise of any count, for a cell key in [0,1). */
    static int countNoise(double cellKey) {
        return COUNT_NOISE[bucket(cellKey)];
    }

    /** The count as released: perturbed first, then null (suppressed) when the perturbed count is under the threshold. */
    static Long releasedCount(long count, int threshold, double cellKey) {
        long perturbed = count + countNoise(cellKey);
        return perturbed < threshold ? null : perturbed;
    }

    /** The scale the magnitude multiplier applies to: the standard error, or the floor when the values hardly spread. */
    static double magnitudeScale(double standardError, double meanAbsoluteValue) {
        return Math.max(standardError, Math.max(MAGNITUDE_FLOOR_SHARE * meanAbsoluteValue, MAGNITUDE_FLOOR_MINIMUM));
    }

    /** The multiplier of a magnitude's standard error, for a cell key in [0,1). */
    static double magnitudeMultiplier(double cellKey) {
        double within = cellKey * BUCKETS - Math.floor(cellKey * BUCKETS);
        return MAGNITUDE_MULTIPLIERS[Math.min((int) (within * MAGNITUDE_MULTIPLIERS.length), MAGNITUDE_MULTIPLIERS.length - 1)];
    }

    /** The sum of keys modulo 1: adding or removing one person moves the key by that person's random key. */
    static double cellKey(double sumOfRecordKeys) {
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
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("trueCount", "any");
        List<Integer> noise = new ArrayList<>();
        for (int n : COUNT_NOISE) {
            noise.add(n);
        }
        row.put("noiseByBucket", noise);
        rows.add(row);
        json.put("countNoise", rows);
        json.put("countSuppression", "a count is perturbed first and suppressed when the perturbed count is under the threshold");
        List<Double> multipliers = new ArrayList<>();
        for (double m : MAGNITUDE_MULTIPLIERS) {
            multipliers.add(m);
        }
        json.put("magnitudeMultipliers", multipliers);
        json.put("magnitudeNoise", "multiplier[floor(8 × frac(20 × cell key))] × max(standard deviation / sqrt(persons), "
                + MAGNITUDE_FLOOR_SHARE + " × mean absolute value, " + MAGNITUDE_FLOOR_MINIMUM + ")");
        json.put("magnitudeFloorShare", MAGNITUDE_FLOOR_SHARE);
        json.put("magnitudeFloorMinimum", MAGNITUDE_FLOOR_MINIMUM);
        return json;
    }
}
