package org.mydata.operator.api.rest;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.annotation.JsonAlias;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.audit.AuditBundles;
import org.mydata.operator.verify.audit.AuditJson;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.optout.OptOut;
import org.mydata.operator.formats.OptOutAsFhir;
import org.mydata.operator.optout.OptOutRecord;
import org.mydata.operator.optout.OptOuts;
import org.mydata.operator.programme.Language;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * A citizen's opt-outs of programmes that rest on an opt-out basis (scope {@code citizen}): opt out, see,
 * withdraw (be included again), the receipts, the FHIR form, and the person's own inclusion audit bundle.
 * Opting out of a programme that rests on consent is a 409: there one withdraws the consent instead.
 */
@RestController
public class OptOutController {
    private final OptOuts optOuts;
    private final ProgrammeRegistry programmes;
    private final AuditBundles bundles;
    private final Callers callers;
    private final FhirContext fhir;

    public OptOutController(OptOuts optOuts, ProgrammeRegistry programmes, AuditBundles bundles, Callers callers,
                            FhirContext fhir) {
        this.optOuts = optOuts;
        this.programmes = programmes;
        this.bundles = bundles;
        this.callers = callers;
        this.fhir = fhir;
    }

    /**
     * @param shownNoticeSha256 the hash of the notice the person was shown ({@code GET .../notice}); optional,
     *                          refused with a 409 when it is not the current notice's
     * @param language          the language the notice was read in (en, fi, sv; English when absent)
     */
    public record OptOutRequest(@JsonAlias("programme_id") UUID programmeId,
                                @JsonAlias("shown_notice_sha256") String shownNoticeSha256, String language) {
    }

    /** The notice a person must be shown before opting out, its hash as the opt-out record signs it, its language. */
    public record NoticeView(UUID programmeId, String text, String sha256, String language) {
    }

    public record RecordView(UUID id, int sequence, String status, String prevHash, String noticeSha256,
                             Instant createdAt, long logIndex, String record) {
        static RecordView of(OptOutRecord r) {
            return new RecordView(r.id(), r.seq(), r.status(), r.prevHash(), r.noticeSha256(), r.createdAt(),
                    r.logIndex(), r.record());
        }
    }

    public record OptOutView(UUID id, UUID programmeId, String legalBasis, String status, boolean live,
                             Instant createdAt, Instant withdrawnAt, String record, List<RecordView> history) {
        static OptOutView of(OptOut o) {
            return new OptOutView(o.id(), o.programmeId(), o.legalBasis().wire(),
                    o.isLive() ? OptOutRecord.OPTED_OUT : OptOutRecord.WITHDRAWN, o.isLive(), o.createdAt(),
                    o.withdrawnAt(), o.optOutRecord().record(), o.records().stream().map(RecordView::of).toList());
        }
    }

    @GetMapping("/api/v1/me/opt-outs/notice")
    public NoticeView notice(@RequestParam UUID programmeId, @RequestParam(required = false) String language) {
        Language read = Language.requested(language);
        String text = optOuts.notice(programmeId, read);
        return new NoticeView(programmeId, text, RecordHash.sha256(text), read.tag());
    }

    @PostMapping("/api/v1/me/opt-outs")
    @ResponseStatus(HttpStatus.CREATED)
    public OptOutView optOut(@AuthenticationPrincipal Jwt token, @RequestBody OptOutRequest request) {
        return OptOutView.of(optOuts.optOut(callers.account(token), request.programmeId(),
                request.shownNoticeSha256(), Language.requested(request.language())));
    }

    @GetMapping("/api/v1/me/opt-outs")
    public List<OptOutView> list(@AuthenticationPrincipal Jwt token) {
        return optOuts.list(callers.account(token)).stream().map(OptOutView::of).toList();
    }

    @GetMapping("/api/v1/me/opt-outs/{id}")
    public OptOutView get(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        return OptOutView.of(optOuts.get(callers.account(token), id));
    }

    /** Withdraws the opt-out: the person is included again from the next request on. */
    @PostMapping("/api/v1/me/opt-outs/{id}/withdraw")
    public OptOutView withdraw(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        return OptOutView.of(optOuts.withdraw(callers.account(token), id));
    }

    /** The same as {@code POST .../withdraw}: the opt-out ends, its records stay. */
    @DeleteMapping("/api/v1/me/opt-outs/{id}")
    public OptOutView delete(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        return withdraw(token, id);
    }

    /** The opt-out as a FHIR R4 {@code Consent} whose provision denies ({@code provision.type = deny}). */
    @GetMapping(value = "/api/v1/me/opt-outs/{id}/fhir", produces = {FhirResponses.FHIR_JSON, "application/json"})
    public ResponseEntity<String> asFhir(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        Account account = callers.account(token);
        OptOut optOut = optOuts.get(account, id);
        return FhirResponses.ok(fhir, OptOutAsFhir.toFhir(optOut, programmes.get(optOut.programmeId())));
    }

    /** The person's own inclusion bundle for an opt-out programme: what the {@code verify} command checks. */
    @GetMapping("/api/v1/me/programmes/{programmeId}/inclusion/audit")
    public Map<String, Object> ownInclusion(@AuthenticationPrincipal Jwt token, @PathVariable UUID programmeId) {
        return AuditJson.toJson(bundles.ofOwnInclusion(callers.account(token).id(), programmeId));
    }

    /** Scope {@code auditor}: any person's inclusion bundle for an opt-out programme. */
    @GetMapping("/api/v1/audit/programmes/{programmeId}/inclusions/{accountId}")
    public Map<String, Object> inclusionForAuditor(@PathVariable UUID programmeId, @PathVariable UUID accountId) {
        return AuditJson.toJson(bundles.ofInclusion(accountId, programmeId));
    }
}
