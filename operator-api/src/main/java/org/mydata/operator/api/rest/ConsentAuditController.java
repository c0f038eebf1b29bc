package org.mydata.operator.api.rest;

import java.util.Map;
import java.util.UUID;
import org.mydata.operator.audit.AuditBundles;
import org.mydata.operator.audit.AuditJson;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * A consent's audit bundle: its records, the access events that relied on it, and their inclusion proofs
 * against the latest checkpoint, for auditors (any consent) and for the person (their own). The format is
 * {@link AuditJson}'s, the one the {@code verify} command reads; assembling it is {@link AuditBundles}'.
 */
@RestController
public class ConsentAuditController {
    private final AuditBundles bundles;
    private final Callers callers;

    public ConsentAuditController(AuditBundles bundles, Callers callers) {
        this.bundles = bundles;
        this.callers = callers;
    }

    /** Scope {@code auditor}. */
    @GetMapping("/api/v1/audit/consents/{id}")
    public Map<String, Object> forAuditor(@PathVariable UUID id) {
        return AuditJson.toJson(bundles.ofConsent(id));
    }

    /** Scope {@code citizen}; another person's consent is not found. */
    @GetMapping("/api/v1/me/consents/{id}/audit")
    public Map<String, Object> forCitizen(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        return AuditJson.toJson(bundles.ofOwnConsent(callers.account(token).id(), id));
    }
}
