package org.mydata.operator.api.rest;

import ca.uhn.fhir.context.FhirContext;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.formats.ConsentAsFhir;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.consent.StatusChange;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.verify.release.ConsentModes;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** A citizen's consents (scope {@code citizen}): give, see, pause, resume, withdraw, and the receipts. */
@RestController
@RequestMapping("/api/v1/me/consents")
public class ConsentController {
    private final Consents consents;
    private final ProgrammeRegistry programmes;
    private final Callers callers;
    private final FhirContext fhir;
    private final Clock clock;

    public ConsentController(Consents consents, ProgrammeRegistry programmes, Callers callers, FhirContext fhir,
                             Clock clock) {
        this.clock = clock;
        this.consents = consents;
        this.programmes = programmes;
        this.callers = callers;
        this.fhir = fhir;
    }

    /**
     * @param accessModes {@code ["statistics"]} or {@code ["statistics", "records"]} (records imply statistics);
     *                    left out: what the programme offers, as for purposes and scope, and the text to be shown
     *                    and signed says so in its own sentence
     * @param language    the language of the text (BCP 47: en, fi, sv; English when absent)
     */
    public record ConsentRequest(UUID programmeId, List<String> purposes, ScopeJson scope, List<UUID> sourceIds,
                                 Instant validUntil, String shownTextSha256, List<String> accessModes,
                                 String language) {
        NewConsent toDomain() {
            return new NewConsent(programmeId, purposes, scope == null ? null : scope.toDomain(), sourceIds, validUntil,
                    shownTextSha256, accessModes, language);
        }
    }

    public record StatusRequest(String status) {
    }

    /** The consent text a person must be shown before giving the consent, its hash, and its language. */
    public record TextView(String text, String sha256, String language) {
    }

    public record TermsView(String policyUri, String version, String shownTextSha256, String language) {
    }

    public record StatusView(UUID id, int sequence, String status, String changedBy, String reason, String prevHash,
                             Instant createdAt, Long logIndex, String record) {
        static StatusView of(StatusRecord r) {
            return new StatusView(r.id(), r.sequence(), r.status().wire(), r.changedBy().wire(), r.reason(), r.prevHash(),
                    r.createdAt(), r.logIndex(), r.record());
        }
    }

    public record ConsentView(UUID id, UUID programmeId, String status, boolean inForce,
                              List<ProgrammeController.PurposeView> purposes, ScopeJson scope, List<UUID> linkIds,
                              Instant validFrom, Instant validUntil, TermsView terms, String text, String record,
                              Long logIndex, List<String> statusRecords, List<StatusView> history,
                              List<String> accessModes, int programmeVersion, UUID replaces) {
        static ConsentView of(Consent c, Instant now) {
            return new ConsentView(c.id(), c.programmeId(), c.status().wire(), c.isInForce(now),
                    c.purposes().stream().map(ProgrammeController::purpose).toList(), ScopeJson.of(c.scope()),
                    c.linkIds(), c.validFrom(), c.validUntil(),
                    new TermsView(c.terms().policyUri().toString(), c.terms().version(), c.terms().shownTextSha256(),
                            c.terms().language()),
                    c.proposal(), c.record(), c.logIndex(), c.statusRecords().stream().map(StatusRecord::record).toList(),
                    c.statusRecords().stream().map(StatusView::of).toList(),
                    ConsentModes.toClaim(c.accessModes()), c.version(), c.replaces());
        }
    }

    /**
     * What a status change answers: the consent's standing now and the status record just made (its receipt).
     * Not the history, which grows with every change; {@code GET /{id}} has it.
     */
    public record StatusChangeView(UUID id, UUID programmeId, String status, boolean inForce, Instant validFrom,
                                   Instant validUntil, StatusView statusRecord) {
        static StatusChangeView of(StatusChange change, Instant now) {
            return new StatusChangeView(change.consentId(), change.programmeId(), change.status().wire(),
                    change.isInForce(now), change.validity().from(), change.validity().until(),
                    StatusView.of(change.record()));
        }
    }

    @PostMapping("/text")
    public TextView text(@AuthenticationPrincipal Jwt token, @RequestBody ConsentRequest request) {
        NewConsent consent = request.toDomain();
        String text = consents.preview(callers.account(token), consent);
        return new TextView(text, RecordHash.sha256(text), consent.textLanguage().tag());
    }

    /**
     * 201 with the new consent; 200 with the person's live consent when the request repeats its terms (nothing
     * new is signed); 409 {@code consent-exists}, naming the live consent, when it asks for other terms.
     */
    @PostMapping
    public ResponseEntity<ConsentView> grant(@AuthenticationPrincipal Jwt token, @RequestBody ConsentRequest request) {
        Consents.Granted granted = consents.grantOrFind(callers.account(token), request.toDomain());
        ConsentView view = ConsentView.of(granted.consent(), clock.instant());
        return ResponseEntity.status(granted.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .location(URI.create("/api/v1/me/consents/" + granted.consent().id())).body(view);
    }

    @GetMapping
    public List<ConsentView> list(@AuthenticationPrincipal Jwt token) {
        Instant now = clock.instant();
        return consents.list(callers.account(token)).stream().map(c -> ConsentView.of(c, now)).toList();
    }

    @GetMapping("/{id}")
    public ConsentView get(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        return ConsentView.of(consents.get(callers.account(token), id), clock.instant());
    }

    @PostMapping("/{id}/status")
    public StatusChangeView changeStatus(@AuthenticationPrincipal Jwt token, @PathVariable UUID id,
                                         @RequestBody StatusRequest request) {
        ConsentStatus next = ConsentStatus.fromWire(request.status()).orElseThrow(() ->
                new InvalidRequestException("status", "status must be active, paused or withdrawn"));
        return StatusChangeView.of(consents.changeStatus(callers.account(token), id, next,
                StatusRecord.ChangedBy.PERSON, null), clock.instant());
    }

    @GetMapping(value = "/{id}/fhir", produces = {FhirResponses.FHIR_JSON, "application/json"})
    public ResponseEntity<String> asFhir(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        Account account = callers.account(token);
        Consent consent = consents.get(account, id);
        return FhirResponses.ok(fhir, ConsentAsFhir.toFhir(consent, programmes.get(consent.programmeId())));
    }
}
