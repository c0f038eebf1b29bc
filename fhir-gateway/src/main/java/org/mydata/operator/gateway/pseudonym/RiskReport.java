package org.mydata.operator.gateway.pseudonym;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mydata.operator.programme.DataScope;

/**
 * The re-identification risk of a records permit, for the steward who decides it: the figures of the release plan
 * the permit would get for today's cohort, what the profile generalises, and what no profile can prevent. Its
 * hash is what a signed approval quotes beside the figures.
 */
public final class RiskReport {
    /** Unique on demographics and code set after the plan above this share of persons: suggest statistics. */
    static final double HIGH_UNIQUENESS = 0.05;

    private RiskReport() {
    }

    /** The report as JSON, with {@code hash} over everything else in it. */
    public static Map<String, Object> of(ReleasePlan plan, DataScope scope) {
        ReleasePlan.Figures figures = plan.figures();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("k", plan.k());
        report.put("figures", figures.toJson());
        ReleasePlan.Scheme scheme = plan.scheme();
        Map<String, Object> generalises = new LinkedHashMap<>();
        generalises.put("birth_year_band_years", scheme.bandWidth());
        generalises.put("top_coded_at_age", ReleasePlan.TOP_CODED_AGE);
        generalises.put("sex_released", scheme.sex());
        generalises.put("death_released_as_boolean", scheme.deceased());
        generalises.put("country_released", scheme.country());
        generalises.put("persons_without_demographics", figures.suppressedPersons());
        generalises.put("codes_generalised_to_icd10_category", figures.generalisedCodes());
        generalises.put("codes_dropped", figures.droppedCodes());
        generalises.put("observation_categories_released", scope.releasedObservationCategories());
        generalises.put("dates", "moved by one secret offset per person and permit (days and a time of day); "
                + "birth and death released as no date; dates within 3 days of the birth or death day and before "
                + "the released birth year withheld");
        report.put("generalises", generalises);
        report.put("residual_risks", List.of(
                "Records released under two permits can be joined by their content: the intervals between a "
                        + "person's events and their codes stay true, and this cannot be closed while records keep "
                        + "them. The released records are pseudonymised personal data under the GDPR, not anonymous.",
                "Anyone who knows the true date of one released event of a person learns that person's offset "
                        + "and so every true date of theirs in this permit."));
        boolean high = figures.persons() < plan.k() || figures.uniqueWithCodesAfter() > HIGH_UNIQUENESS;
        report.put("risk", high ? "high" : "moderate");
        if (high) {
            report.put("suggestion", "Ask for statistics instead of records: protected aggregates answer most "
                    + "questions without releasing a person's record.");
        }
        report.put("hash", hash(report));
        return report;
    }

    private static String hash(Map<String, Object> report) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    org.mydata.operator.json.Json.write(report).getBytes(StandardCharsets.UTF_8));
            return "sha-256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
