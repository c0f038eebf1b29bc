package org.mydata.operator.api.web;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.consent.ErasureRequest;
import org.mydata.operator.consent.ErasureRequests;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.verify.signing.InvalidRecordException;
import org.mydata.operator.signing.Jwks;
import org.mydata.operator.signing.PublicKeys;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.mydata.operator.notify.Notices;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * A person's consents: each with its full status history, pause, resume, withdraw (after a confirmation
 * that says it is final and immediate), and the signed receipts, as files and as a page a person can read.
 * Every lookup goes through {@link Consents#get}, which only ever finds the signed-in person's own consents.
 */
@Controller
@RequestMapping("/app/consents")
public class ConsentPagesController {
    static final MediaType JOSE = MediaType.parseMediaType("application/jose");
    private final Consents consents;
    private final SignedInCitizens citizens;
    private final CitizenPages pages;
    private final PublicKeys keys;
    private final Clock clock;
    private final ErasureRequests erasureRequests;
    private final Notices notices;

    public ConsentPagesController(Consents consents, SignedInCitizens citizens, CitizenPages pages, PublicKeys keys,
                                  Clock clock, ErasureRequests erasureRequests, Notices notices) {
        this.erasureRequests = erasureRequests;
        this.consents = consents;
        this.citizens = citizens;
        this.pages = pages;
        this.keys = keys;
        this.clock = clock;
        this.notices = notices;
    }

    /**
     * One permit holder told of a change to the consent, as the page shows it.
     *
     * @param waitingHours while an erasure was asked for and not confirmed: whole hours since; else null
     */
    public record NoticeRow(Notices.Notice notice, Long waitingHours) {
    }

    @GetMapping
    public String list(Authentication signedIn, Model model) {
        Account account = citizens.account(signedIn);
        List<Consent> newestFirst = new ArrayList<>(consents.list(account));
        newestFirst.sort(Comparator.comparing(Consent::createdAt).reversed());
        model.addAttribute("cards", pages.cards(account, newestFirst));
        return "app/consents";
    }

    @GetMapping("/{id}")
    public String detail(@PathVariable UUID id, Authentication signedIn, Model model) {
        Account account = citizens.account(signedIn);
        Consent consent = consents.get(account, id);
        model.addAttribute("card", pages.card(account, consent));
        Instant now = clock.instant();
        model.addAttribute("inForce", consent.isInForce(now));
        model.addAttribute("notices", notices.ofConsent(account.id(), id).stream()
                .map(n -> new NoticeRow(n, n.erasureRequested() && n.erasure() == null
                        ? Math.max(0, java.time.Duration.between(n.occurredAt(), now).toHours()) : null))
                .toList());
        model.addAttribute("erasure", erasureRequests.of(account, id).orElse(null));
        return "app/consent";
    }

    /**
     * After a withdrawal: the person asks the programme and the projects that received data under the consent
     * to erase it. Recorded as a signed request (asking twice keeps the first); notifying the recipients is
     * {@link org.mydata.operator.consent.ErasureRequested}'s part.
     */
    @PostMapping("/{id}/erasure")
    public String requestErasure(@PathVariable UUID id, Authentication signedIn, RedirectAttributes redirect) {
        Account account = citizens.account(signedIn);
        try {
            erasureRequests.request(account, id);
            redirect.addFlashAttribute("notice", "erasure.notice.requested");
        } catch (ConflictException refused) {
            redirect.addFlashAttribute("problem", new PageProblem("erasure.error.notWithdrawn", null));
        }
        return "redirect:/app/consents/" + id;
    }

    /** The signed erasure request record, a compact JWS, as a file: the person's proof that they asked. */
    @GetMapping("/{id}/erasure-request.jws")
    public ResponseEntity<byte[]> erasureRecord(@PathVariable UUID id, Authentication signedIn) {
        ErasureRequest request = erasureRequests.of(citizens.account(signedIn), id)
                .orElseThrow(() -> new NotFoundException("no erasure request for consent " + id));
        return jws(request.record(), "erasure-request-" + id + ".jws");
    }

    @PostMapping("/{id}/pause")
    public String pause(@PathVariable UUID id, Authentication signedIn, RedirectAttributes redirect) {
        return change(id, ConsentStatus.PAUSED, "consent.notice.paused", signedIn, redirect);
    }

    @PostMapping("/{id}/resume")
    public String resume(@PathVariable UUID id, Authentication signedIn, RedirectAttributes redirect) {
        return change(id, ConsentStatus.ACTIVE, "consent.notice.resumed", signedIn, redirect);
    }

    /**
     * The pages that ask for a consent's pause, resume or erasure once more, when the form that asked first came
     * after the session had ended ({@link StaleForms}): reached by GET after signing in again.
     */
    @GetMapping("/{id}/pause")
    public String pauseAgain(@PathVariable UUID id, Authentication signedIn, Model model) {
        return again(id, ConsentStatus.ACTIVE, "pause", signedIn, model);
    }

    @GetMapping("/{id}/resume")
    public String resumeAgain(@PathVariable UUID id, Authentication signedIn, Model model) {
        return again(id, ConsentStatus.PAUSED, "resume", signedIn, model);
    }

    /** Asking for erasure once more: only of a withdrawn consent, and only while it has not been asked. */
    @GetMapping("/{id}/erasure")
    public String erasureAgain(@PathVariable UUID id, Authentication signedIn, Model model) {
        if (erasureRequests.of(citizens.account(signedIn), id).isPresent()) {
            return "redirect:/app/consents/" + id;
        }
        return again(id, ConsentStatus.WITHDRAWN, "erasure", signedIn, model);
    }

    private String again(UUID id, ConsentStatus from, String action, Authentication signedIn, Model model) {
        Account account = citizens.account(signedIn);
        Consent consent = consents.get(account, id);
        if (consent.status() != from) {
            return "redirect:/app/consents/" + id;
        }
        model.addAttribute("card", pages.card(account, consent));
        model.addAttribute("action", action);
        return "signin/again";
    }

    @GetMapping("/{id}/withdraw")
    public String confirmWithdrawal(@PathVariable UUID id, Authentication signedIn, Model model) {
        Account account = citizens.account(signedIn);
        Consent consent = consents.get(account, id);
        if (consent.status() == ConsentStatus.WITHDRAWN) {
            return "redirect:/app/consents/" + id;
        }
        model.addAttribute("card", pages.card(account, consent));
        return "app/withdraw";
    }

    @PostMapping("/{id}/withdraw")
    public String withdraw(@PathVariable UUID id, Authentication signedIn, RedirectAttributes redirect) {
        return change(id, ConsentStatus.WITHDRAWN, "consent.notice.withdrawn", signedIn, redirect);
    }

    /** The receipt as a person can read it, with the operator's own check of every signature and link. */
    @GetMapping("/{id}/receipt")
    public String receipt(@PathVariable UUID id, Authentication signedIn, Model model) {
        Account account = citizens.account(signedIn);
        Consent consent = consents.get(account, id);
        RecordVerifier verifier = new RecordVerifier(Jwks.toJwkSet(keys.publicKeys()));
        model.addAttribute("card", pages.card(account, consent));
        SignatureCheck consentCheck = check(verifier, consent.record());
        boolean textMatches = RecordHash.sha256(consent.proposal()).equals(consent.terms().shownTextSha256());
        model.addAttribute("consentCheck", consentCheck);
        model.addAttribute("textMatches", textMatches);
        List<StatusCheck> chain = new ArrayList<>();
        String previous = null;
        for (StatusRecord record : consent.statusRecords()) {
            chain.add(new StatusCheck(record, check(verifier, record.record()),
                    RecordHash.chainsTo(record.prevHash(), previous)));
            previous = record.record();
        }
        model.addAttribute("chain", chain);
        // The one plain verdict a person reads first; the checks themselves are in the auditors' fold.
        model.addAttribute("allChecksPass", consentCheck.valid() && textMatches
                && chain.stream().allMatch(s -> s.signature().valid() && s.linkedToPrevious()));
        return "app/receipt";
    }

    /** The signed consent record (CR), a compact JWS, as a file. */
    @GetMapping("/{id}/receipt.jws")
    public ResponseEntity<byte[]> consentRecord(@PathVariable UUID id, Authentication signedIn) {
        Consent consent = consents.get(citizens.account(signedIn), id);
        return jws(consent.record(), "consent-" + id + ".jws");
    }

    /** One signed status record (CSR) of the consent's chain, as a file. */
    @GetMapping("/{id}/status-records/{sequence:\\d+}.jws")
    public ResponseEntity<byte[]> statusRecord(@PathVariable UUID id, @PathVariable int sequence,
                                               Authentication signedIn) {
        Consent consent = consents.get(citizens.account(signedIn), id);
        StatusRecord record = consent.statusRecords().stream().filter(r -> r.sequence() == sequence).findFirst()
                .orElseThrow(() -> new NotFoundException("consent " + id + " has no status record " + sequence));
        return jws(record.record(), "consent-" + id + "-status-" + sequence + ".jws");
    }

    /** A record's signature as the operator checks it now, against its published keys. */
    public record SignatureCheck(boolean valid, String keyId, String algorithm, String problem) {
    }

    public record StatusCheck(StatusRecord record, SignatureCheck signature, boolean linkedToPrevious) {
    }

    private static SignatureCheck check(RecordVerifier verifier, String compact) {
        try {
            VerifiedRecord verified = verifier.verify(compact);
            String algorithm = com.nimbusds.jose.JWSObject.parse(compact).getHeader().getAlgorithm().getName();
            return new SignatureCheck(true, verified.keyId(), algorithm, null);
        } catch (InvalidRecordException | java.text.ParseException e) {
            return new SignatureCheck(false, null, null, e.getMessage());
        }
    }

    private String change(UUID id, ConsentStatus next, String notice, Authentication signedIn,
                          RedirectAttributes redirect) {
        Account account = citizens.account(signedIn);
        try {
            consents.changeStatus(account, id, next, StatusRecord.ChangedBy.PERSON, null,
                    citizens.actingFor(signedIn).map(ActingFor.Current::acting).orElse(null));
            redirect.addFlashAttribute("notice", notice);
        } catch (ConflictException refused) {
            redirect.addFlashAttribute("problem", new PageProblem("consent.error.change", refused.getMessage()));
        }
        return "redirect:/app/consents/" + id;
    }

    private static ResponseEntity<byte[]> jws(String compact, String fileName) {
        return ResponseEntity.ok()
                .contentType(JOSE)
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(fileName).build()
                        .toString())
                .body(compact.getBytes(StandardCharsets.US_ASCII));
    }
}
