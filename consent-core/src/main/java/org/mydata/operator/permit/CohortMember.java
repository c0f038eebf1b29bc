package org.mydata.operator.permit;

import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.programme.DataScope;

/**
 * A person whose data a request may read, at one source: the surrogate id there, and every consent
 * that lets this permit read this type from them (a resource is released if any of them covers it).
 */
public record CohortMember(UUID accountId, UUID sourceId, String surrogateId, List<Grant> grants) {

    public CohortMember {
        grants = List.copyOf(grants);
    }

    /** One consent relied on, with the scope the person gave. */
    public record Grant(UUID consentId, DataScope scope) {
    }

    /**
     * The first consent that covers data of this date. A consent with a data period needs a date to
     * judge by: data without one is not released under it.
     */
    public java.util.Optional<Grant> grantCovering(LocalDate dataDate) {
        for (Grant grant : grants) {
            DataScope s = grant.scope();
            if (s.dataFrom() == null && s.dataUntil() == null) {
                return java.util.Optional.of(grant);
            }
            if (dataDate != null && (s.dataFrom() == null || !dataDate.isBefore(s.dataFrom()))
                    && (s.dataUntil() == null || !dataDate.isAfter(s.dataUntil()))) {
                return java.util.Optional.of(grant);
            }
        }
        return java.util.Optional.empty();
    }

    /** The key that names this person at this source within a request. */
    public String key() {
        return sourceId + "|" + surrogateId;
    }
}
