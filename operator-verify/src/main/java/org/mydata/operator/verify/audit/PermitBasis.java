package org.mydata.operator.verify.audit;

import java.util.List;
import java.util.Optional;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.LegalBasis;

/**
 * What a permit record states that decides how its access events are judged: its programme's legal basis
 * ({@code legal_basis}, consent when a permit signed before the claim does not state it), the programme, and
 * under an opt-out basis the sources whose linked persons it may read ({@code source_ids}), and its access mode
 * ({@code access_mode}; records when a permit signed before access modes does not state it: records were all
 * there was).
 *
 * @param basis empty when the record states a basis the auditor does not know
 * @param mode  empty when the record states a mode the auditor does not know
 */
record PermitBasis(Optional<LegalBasis> basis, String programmeId, List<String> sourceIds, Optional<AccessMode> mode) {

    static PermitBasis of(ReadRecord permit) {
        List<String> sources = permit.claims().get("source_ids") instanceof List<?> ids
                ? ids.stream().map(String::valueOf).toList() : List.of();
        Object mode = permit.claims().get("access_mode");
        return new PermitBasis(LegalBasis.ofClaim(permit.claims().get("legal_basis")), permit.string("programme_id"),
                sources, mode == null ? Optional.of(AccessMode.RECORDS) : AccessMode.fromWireName(String.valueOf(mode)));
    }

    boolean optOut() {
        return basis.map(LegalBasis::isOptOut).orElse(false);
    }

    String wire() {
        return basis.map(LegalBasis::wire).orElse("an unknown basis");
    }
}
