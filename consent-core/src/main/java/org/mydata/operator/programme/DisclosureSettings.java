package org.mydata.operator.programme;

import org.mydata.operator.failure.InvalidRequestException;

/**
 * A programme's disclosure-control settings (DESIGN.md section 9; the attacks each stops are in
 * docs/statistics.md and docs/gateway.md).
 *
 * @param minimumCellSize fewest persons a released statistical cell may count (smaller cells are suppressed)
 * @param dominanceShare  largest share of a released sum that one person may carry (0..1)
 * @param answersPerDay   statistical answers one permit may receive per day
 * @param recordsK        fewest persons that must share every released combination of demographic
 *                        quasi-identifiers, and hold a released code, in a records permit's cohort
 */
public record DisclosureSettings(int minimumCellSize, double dominanceShare, int answersPerDay, int recordsK) {
    public static final DisclosureSettings DEFAULTS = new DisclosureSettings(10, 0.6, 50, 5);

    public DisclosureSettings {
        check(minimumCellSize >= 2, "minimumCellSize", "must be at least 2");
        check(dominanceShare > 0 && dominanceShare < 1, "dominanceShare", "must lie between 0 and 1");
        check(answersPerDay >= 1, "answersPerDay", "must be at least 1");
        check(recordsK >= 2, "recordsK", "must be at least 2");
    }

    private static void check(boolean holds, String field, String rule) {
        if (!holds) {
            throw new InvalidRequestException("disclosure." + field, "disclosure." + field + " " + rule);
        }
    }
}
