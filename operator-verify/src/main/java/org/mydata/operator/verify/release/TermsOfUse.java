package org.mydata.operator.verify.release;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The release policy's rules on what a permit and a consent were given for: the permit's validity, the resource
 * types each names, the purposes (a broader DPV purpose covers its narrower ones) and the data periods. Stated on
 * what the signed records say (DPV codes, type names, calendar days), so the auditors judge by the very rules the
 * operator releases by: consent-core's {@code ReleasePolicy} hands over to them, as it does to
 * {@link ConsentInForce}. Nothing else re-implements them.
 */
public final class TermsOfUse {
    /** The resource type that is the person themself, judged by no data period. */
    public static final String PERSON = "Patient";

    /** Each DPV purpose the operator knows, with the broader purpose it is a kind of (absent at the top). */
    private static final Map<String, String> BROADER = Map.of(
            "dpv:ScientificResearch", "dpv:ResearchAndDevelopment",
            "dpv:AcademicResearch", "dpv:ScientificResearch",
            "dpv:NonCommercialResearch", "dpv:ScientificResearch",
            "dpv:CommercialResearch", "dpv:ScientificResearch",
            "dpv-health:HealthcareScientificResearch", "dpv:ScientificResearch");

    private TermsOfUse() {
    }

    /** The DPV purpose that {@code code} is a kind of, if any. */
    public static Optional<String> broaderPurpose(String code) {
        return Optional.ofNullable(BROADER.get(code));
    }

    /** True when the purpose {@code given} is {@code wanted} or broader than it. */
    public static boolean purposeCovers(String given, String wanted) {
        for (String p = wanted; p != null; p = BROADER.get(p)) {
            if (p.equals(given)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the permit's validity holds {@code at} (from inclusive, until exclusive); empty when it does. */
    public static Optional<Refusal> whyNotInPermitValidity(Validity permit, Instant at) {
        if (!permit.hasBegunAt(at)) {
            return Optional.of(Refusal.PERMIT_NOT_YET_VALID);
        }
        if (permit.hasEndedAt(at)) {
            return Optional.of(Refusal.PERMIT_EXPIRED);
        }
        return Optional.empty();
    }

    /** Whether the permit names the type; empty when it does. */
    public static Optional<Refusal> whyNotPermitted(List<String> permitTypes, String type) {
        return permitTypes.contains(type) ? Optional.empty() : Optional.of(Refusal.TYPE_OUTSIDE_PERMIT);
    }

    /**
     * What keeps a consent's terms from covering the permit's for the type, whatever the resource's day: its
     * purposes must cover every purpose of the permit (and the permit must state one), its types name the type.
     */
    public static List<Refusal> whyNotCovered(List<String> consentPurposes, List<String> consentTypes,
                                              List<String> permitPurposes, String type) {
        List<Refusal> refusals = new ArrayList<>(2);
        boolean covered = !permitPurposes.isEmpty() && permitPurposes.stream()
                .allMatch(wanted -> consentPurposes.stream().anyMatch(given -> purposeCovers(given, wanted)));
        if (!covered) {
            refusals.add(Refusal.PURPOSE_NOT_COVERED);
        }
        if (!consentTypes.contains(type)) {
            refusals.add(Refusal.TYPE_OUTSIDE_CONSENT);
        }
        return refusals;
    }

    /**
     * Why a day does not lie in a data period (calendar days, both ends inclusive, either open when null); empty
     * when it does or there is no period. A resource without a clinical day lies in no period.
     */
    public static Optional<Refusal> outsidePeriod(LocalDate from, LocalDate until, LocalDate day, Refusal undated,
                                                  Refusal outside) {
        if (from == null && until == null) {
            return Optional.empty();
        }
        if (day == null) {
            return Optional.of(undated);
        }
        boolean inside = (from == null || !day.isBefore(from)) && (until == null || !day.isAfter(until));
        return inside ? Optional.empty() : Optional.of(outside);
    }

    /**
     * Whether any resource of the type could lie in both the permit's and the consent's data period, as every
     * released resource but the person themself must: empty when the two periods share a day (or the type is
     * {@value #PERSON}), else {@link Refusal#NO_COMMON_PERIOD}. All that an auditor, who sees no resource's day,
     * can judge of the periods.
     */
    public static Optional<Refusal> whyNoCommonPeriod(LocalDate permitFrom, LocalDate permitUntil,
                                                      LocalDate consentFrom, LocalDate consentUntil, String type) {
        if (type.equals(PERSON)) {
            return Optional.empty();
        }
        LocalDate from = later(permitFrom, consentFrom);
        LocalDate until = earlier(permitUntil, consentUntil);
        return from != null && until != null && until.isBefore(from) ? Optional.of(Refusal.NO_COMMON_PERIOD)
                : Optional.empty();
    }

    private static LocalDate later(LocalDate a, LocalDate b) {
        return a == null ? b : b == null || a.isAfter(b) ? a : b;
    }

    private static LocalDate earlier(LocalDate a, LocalDate b) {
        return a == null ? b : b == null || a.isBefore(b) ? a : b;
    }

    /**
     * Separation of duties, as the operator applies it when a steward decides a data request and the full-log
     * audit when it checks the decision: is the decider's organisation the requester's? Organisations are free
     * text from different sources, compared without case and outer blanks; an unknown (null or blank)
     * organisation is nobody's, so it is never the same.
     */
    public static boolean sameOrganisation(String a, String b) {
        return a != null && b != null && !a.isBlank()
                && a.strip().toLowerCase(Locale.ROOT).equals(b.strip().toLowerCase(Locale.ROOT));
    }
}
