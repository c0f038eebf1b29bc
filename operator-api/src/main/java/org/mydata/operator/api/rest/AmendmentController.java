package org.mydata.operator.api.rest;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.consent.Reconsents;
import org.mydata.operator.programme.Amendments;
import org.mydata.operator.programme.Language;
import org.mydata.operator.programme.NewAmendment;
import org.mydata.operator.programme.ProgrammeAmendments;
import org.mydata.operator.programme.ProgrammeTexts;
import org.mydata.operator.programme.ProgrammeVersion;
import org.mydata.operator.programme.Promise;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.verify.release.AccessMode;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Programme versions, amendments and re-consent (amend, docs/amendments.md): an administrator amends a programme
 * ({@code POST /api/v1/admin/programmes/{id}/amendments}, scope {@code admin}); anyone reads its version history
 * ({@code GET /api/v1/programmes/{id}/versions}); a person sees what accepting the current version would mean for
 * a consent of theirs and accepts it ({@code GET|POST /api/v1/me/consents/{id}/new-version}); the re-consent chain
 * of a consent is served to its person and to auditors ({@code .../chain}) for operator-verify's
 * {@code reconsent} mode.
 */
@RestController
public class AmendmentController {
    private final ProgrammeAmendments amendments;
    private final Reconsents reconsents;
    private final Callers callers;
    private final Clock clock;

    public AmendmentController(ProgrammeAmendments amendments, Reconsents reconsents, Callers callers, Clock clock) {
        this.amendments = amendments;
        this.reconsents = reconsents;
        this.callers = callers;
        this.clock = clock;
    }

    /**
     * An amendment: the reason (required) and the fields that change; a field left out stays as it is. Fields are
     * those of a programme's registration.
     */
    public record AmendmentRequest(String reason, List<String> purposes, ScopeJson scope, List<String> accessModes,
                                   List<String> promises, List<String> stewards, String termsUri, String termsVersion,
                                   Map<String, ProgrammeTexts> texts) {
    }

    public record ChangeView(String field, String direction, List<String> added, List<String> removed) {
        static ChangeView of(Amendments.Change c) {
            return new ChangeView(c.field(), c.direction().wire(), c.added(), c.removed());
        }
    }

    public record TermsView(List<ProgrammeController.PurposeView> purposes, ScopeJson scope, List<String> accessModes,
                            List<String> promises, List<String> stewards, String termsUri, String termsVersion,
                            String legalBasis, Map<String, ProgrammeTexts> texts) {
    }

    /**
     * One version of a programme's terms.
     *
     * @param direction {@code narrowing}, {@code widening} or {@code neutral}; null for version 1
     * @param record    the signed amendment record ({@code programme-amendment+jwt}); null for version 1
     */
    public record VersionView(UUID programmeId, int version, String termsSha256, String direction,
                              List<ChangeView> changes, String reason, String amendedBy, Instant createdAt,
                              Long logIndex, String record, TermsView terms) {
        static VersionView of(ProgrammeVersion v) {
            Map<String, ProgrammeTexts> texts = new LinkedHashMap<>();
            v.terms().texts().forEach((language, words) -> texts.put(language.tag(), words));
            return new VersionView(v.programmeId(), v.version(), v.termsSha256(),
                    v.direction() == null ? null : v.direction().wire(),
                    v.changes().stream().map(ChangeView::of).toList(), v.reason(), v.amendedBy(), v.createdAt(),
                    v.logIndex(), v.record(), new TermsView(
                    v.terms().purposes().stream().map(ProgrammeController::purpose).toList(),
                    ScopeJson.of(v.terms().scope()),
                    v.terms().accessModes().stream().map(AccessMode::wireName).toList(),
                    v.terms().promises().stream().map(Promise::code).toList(), v.terms().stewards(),
                    v.terms().termsUri().toString(), v.terms().termsVersion(), v.terms().legalBasis().wire(), texts));
        }
    }

    public record DiffLineView(String kind, String text) {
    }

    /**
     * What accepting the programme's current version would mean for a consent.
     *
     * @param acceptable whether it can be accepted in one step (false when nothing of the person's choices is left
     *                   under the new terms, or none of their links is live: withdraw, or consent afresh)
     * @param text       the text the person would sign, in {@code language}; sign it by sending its
     *                   {@code sha256} back
     */
    public record OfferView(UUID consentId, int fromVersion, int toVersion, String direction,
                            List<ChangeView> changes, List<String> reasons, boolean acceptable, String language,
                            String text, String sha256, List<DiffLineView> diff) {
        static OfferView of(Reconsents.Offer o) {
            return new OfferView(o.consent().id(), o.fromVersion(), o.toVersion(), o.assessment().direction().wire(),
                    o.assessment().changes().stream().map(ChangeView::of).toList(),
                    o.amendments().stream().map(ProgrammeVersion::reason).toList(), o.newText() != null,
                    o.language().tag(), o.newText(), o.newTextSha256(),
                    o.diff().stream().map(l -> new DiffLineView(l.kind().wire(), l.text())).toList());
        }
    }

    /** @param shownTextSha256 the hash of the text the person was shown (recommended: refused when it differs) */
    public record AcceptRequest(String language, String shownTextSha256) {
    }

    public record ChainView(UUID consentId, List<String> records) {
    }

    @PostMapping("/api/v1/admin/programmes/{id}/amendments")
    @ResponseStatus(HttpStatus.CREATED)
    public VersionView amend(@AuthenticationPrincipal Jwt token, @PathVariable UUID id,
                             @RequestBody AmendmentRequest r) {
        return VersionView.of(amendments.amend(id, token.getSubject(), new NewAmendment(r.reason(), r.purposes(),
                r.scope() == null ? null : r.scope().toDomain(), r.accessModes(), r.promises(), r.stewards(),
                r.termsUri(), r.termsVersion(), r.texts())));
    }

    @GetMapping("/api/v1/programmes/{id}/versions")
    public List<VersionView> versions(@PathVariable UUID id) {
        return amendments.versions(id).stream().map(VersionView::of).toList();
    }

    /** 200 with the offer; 404 when the consent is withdrawn or already on the programme's current version. */
    @GetMapping("/api/v1/me/consents/{id}/new-version")
    public ResponseEntity<OfferView> offer(@AuthenticationPrincipal Jwt token, @PathVariable UUID id,
                                           @RequestParam(required = false) String language) {
        return reconsents.offer(callers.account(token), id, Language.requested(language))
                .map(o -> ResponseEntity.ok(OfferView.of(o)))
                .orElseThrow(() -> new org.mydata.operator.failure.NotFoundException("consent " + id + " has no newer "
                        + "version of its programme's terms to accept"));
    }

    /** 201 with the new consent, which replaces this one; 409 when there is nothing to accept or the text differs. */
    @PostMapping("/api/v1/me/consents/{id}/new-version")
    public ResponseEntity<ConsentController.ConsentView> accept(@AuthenticationPrincipal Jwt token,
                                                                @PathVariable UUID id,
                                                                @RequestBody(required = false) AcceptRequest r) {
        AcceptRequest request = r == null ? new AcceptRequest(null, null) : r;
        Consent made = reconsents.accept(callers.account(token), id, request.language(), request.shownTextSha256());
        return ResponseEntity.created(URI.create("/api/v1/me/consents/" + made.id()))
                .body(ConsentController.ConsentView.of(made, clock.instant()));
    }

    @GetMapping("/api/v1/me/consents/{id}/chain")
    public ChainView myChain(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        return new ChainView(id, reconsents.chain(callers.account(token), id));
    }

    @GetMapping("/api/v1/audit/consents/{id}/chain")
    public ChainView auditChain(@PathVariable UUID id) {
        return new ChainView(id, reconsents.chainForAudit(id));
    }
}
