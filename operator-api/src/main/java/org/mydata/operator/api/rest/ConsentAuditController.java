package org.mydata.operator.api.rest;

import ca.uhn.fhir.context.FhirContext;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.verify.audit.AuditBundle;
import org.mydata.operator.formats.AuditBundleAsFhir;
import org.mydata.operator.audit.AuditBundles;
import org.mydata.operator.verify.audit.AuditJson;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.notify.Notices;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * A consent's audit bundle: its records, the access events that relied on it, and their inclusion proofs
 * against the latest checkpoint, for auditors (any consent) and for the person (their own). The format is
 * {@link AuditJson}'s, the one the {@code verify} command reads; assembling it is {@link AuditBundles}'.
 * Auditors can also have it as a FHIR R4 {@code Bundle} ({@link AuditBundleAsFhir}).
 */
@RestController
public class ConsentAuditController {

    private final AuditBundles bundles;
    private final Callers callers;
    private final Consents consents;
    private final ProgrammeRegistry programmes;
    private final FhirContext fhir;
    private final Notices notices;

    public ConsentAuditController(AuditBundles bundles, Callers callers, Consents consents,
                                  ProgrammeRegistry programmes, FhirContext fhir, Notices notices) {
        this.notices = notices;
        this.bundles = bundles;
        this.callers = callers;
        this.consents = consents;
        this.programmes = programmes;
        this.fhir = fhir;
    }

    /** Scope {@code auditor}. */
    @GetMapping("/api/v1/audit/consents/{id}")
    public Map<String, Object> forAuditor(@PathVariable UUID id) {
        return AuditJson.toJson(bundles.ofConsent(id));
    }

    /**
     * Scope {@code auditor}: the same history as FHIR R4, the {@code Consent} with a {@code Provenance} per
     * signed record (the JWS as its signature), an {@code AuditEvent} per access event, and one per notification
     * to a permit holder and per erasure it acknowledged (docs/notifications.md).
     */
    @GetMapping(value = "/api/v1/audit/consents/{id}/fhir", produces = {FhirResponses.FHIR_JSON, "application/json"})
    public ResponseEntity<String> forAuditorAsFhir(@PathVariable UUID id) {
        AuditBundle bundle = bundles.ofConsent(id);
        Consent consent = consents.getForAudit(id);
        return FhirResponses.ok(fhir, AuditBundleAsFhir.toFhir(bundle, consent, programmes.get(consent.programmeId()),
                notices.ofConsentForAudit(id)));
    }

    /** Scope {@code citizen}; another person's consent is not found. */
    @GetMapping("/api/v1/me/consents/{id}/audit")
    public Map<String, Object> forCitizen(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        return AuditJson.toJson(bundles.ofOwnConsent(callers.account(token).id(), id));
    }
}
