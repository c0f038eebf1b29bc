package org.mydata.operator.verify.audit;

import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mydata.operator.verify.release.Refusal;
import org.mydata.operator.verify.release.TermsOfUse;
import org.mydata.operator.verify.release.Validity;

/**
 * What a permit or consent record states of the use it allows: its purposes, resource types, data period and
 * validity. The auditors judge each access event's purpose (the permit's), resource types and data period by it,
 * through the release policy's {@link TermsOfUse}, so they decide as the operator had to: the full-log audit and
 * the bundle verifier both judge here, in the same words.
 *
 * @param unreadable what of the terms could not be read; null when all could
 */
record SignedTerms(List<String> purposes, List<String> resourceTypes, LocalDate dataFrom, LocalDate dataUntil,
                   Validity validity, String unreadable) {

    static SignedTerms of(ReadRecord record) {
        List<String> purposes = strings(record.claims().get("purposes"));
        Map<?, ?> scope = record.claims().get("scope") instanceof Map<?, ?> m ? m : Map.of();
        List<String> types = strings(scope.get("resource_types"));
        Map<?, ?> period = scope.get("data_period") instanceof Map<?, ?> p ? p : Map.of();
        LocalDate from = null;
        LocalDate until = null;
        String unreadable = null;
        try {
            from = period.get("start") instanceof String start ? LocalDate.parse(start) : null;
            until = period.get("end") instanceof String end ? LocalDate.parse(end) : null;
        } catch (DateTimeParseException e) {
            unreadable = "a data period that is not two ISO dates";
        }
        return new SignedTerms(purposes, types, from, until,
                Validity.ofEpochSeconds(record.wholeNumber("valid_from"), record.wholeNumber("valid_until")),
                unreadable);
    }

    private static List<String> strings(Object claim) {
        return claim instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of();
    }

    /**
     * What keeps an event of these types at {@code at} from relying on this permit by its terms (its revocation
     * is judged by log position, elsewhere): its validity must hold the event's time and it must name each type.
     */
    List<String> problemsAsPermit(List<String> types, Instant at) {
        List<String> problems = new ArrayList<>();
        if (unreadable != null) {
            problems.add("its permit states " + unreadable);
        }
        TermsOfUse.whyNotInPermitValidity(validity, at).ifPresent(refusal -> problems.add(
                refusal == Refusal.PERMIT_NOT_YET_VALID ? "its permit's validity had not begun at its time " + at
                        : "its permit's validity had ended at its time " + at));
        for (String type : types) {
            TermsOfUse.whyNotPermitted(resourceTypes, type)
                    .ifPresent(refusal -> problems.add("its permit does not cover " + type));
        }
        return problems;
    }

    /**
     * What keeps an event of these types from relying on this consent under the permit, by their terms: the
     * consent's purposes must cover the permit's, its types name each type, and for every type but the person
     * themself its data period must share a day with the permit's (no resource's day is in the log, so that is
     * all of the periods an auditor can judge).
     *
     * @param consent how to name the consent in a report: "consent {id}" or "the consent"
     */
    List<String> problemsAsConsent(String consent, SignedTerms permit, List<String> types) {
        List<String> problems = new ArrayList<>();
        if (unreadable != null) {
            problems.add(consent + " states " + unreadable);
        }
        boolean purposeNamed = false;
        for (String type : types) {
            for (Refusal refusal : TermsOfUse.whyNotCovered(purposes, resourceTypes, permit.purposes, type)) {
                if (refusal == Refusal.PURPOSE_NOT_COVERED) {
                    if (!purposeNamed) {
                        problems.add(consent + "'s purposes (" + String.join(", ", purposes)
                                + ") do not cover the permit's (" + String.join(", ", permit.purposes) + ")");
                        purposeNamed = true;
                    }
                } else {
                    problems.add(consent + " does not cover " + type);
                }
            }
            TermsOfUse.whyNoCommonPeriod(permit.dataFrom, permit.dataUntil, dataFrom, dataUntil, type)
                    .ifPresent(refusal -> problems.add(consent + "'s data period (" + period(dataFrom, dataUntil)
                            + ") and the permit's (" + period(permit.dataFrom, permit.dataUntil)
                            + ") have no day in common, so no " + type + " could be released under both"));
        }
        return problems;
    }

    private static String period(LocalDate from, LocalDate until) {
        return (from == null ? "" : from.toString()) + ".." + (until == null ? "" : until.toString());
    }
}
