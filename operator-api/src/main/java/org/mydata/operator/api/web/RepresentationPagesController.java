package org.mydata.operator.api.web;

import java.util.List;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.representation.Representations;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Whose data the signed-in person manages (their own, or that of a person a guardianship or mandate lets them act
 * for), and the decisions that wait for a person who came of age: confirm a consent their guardian gave, or go to
 * it to withdraw it (and consent anew with other choices).
 */
@Controller
public class RepresentationPagesController {
    private final ActingFor actingFor;
    private final SignedInCitizens citizens;
    private final Representations representations;
    private final Consents consents;
    private final ProgrammeRegistry programmes;
    private final CitizenPages pages;
    private final java.time.Clock clock;

    public RepresentationPagesController(ActingFor actingFor, SignedInCitizens citizens,
                                         Representations representations, Consents consents,
                                         ProgrammeRegistry programmes, CitizenPages pages, java.time.Clock clock) {
        this.clock = clock;
        this.actingFor = actingFor;
        this.citizens = citizens;
        this.representations = representations;
        this.consents = consents;
        this.programmes = programmes;
        this.pages = pages;
    }

    @GetMapping("/app/acting")
    public String choose(Authentication signedIn, Model model) {
        citizens.ownAccount(signedIn);
        model.addAttribute("choices", actingFor.choices(signedIn));
        return "app/acting";
    }

    @PostMapping("/app/acting")
    public String chosen(@RequestParam String whose, Authentication signedIn, RedirectAttributes redirect) {
        citizens.ownAccount(signedIn);
        if (whose.equals("self")) {
            actingFor.chooseSelf();
            redirect.addFlashAttribute("notice", "acting.notice.self");
        } else {
            actingFor.choose(signedIn, whose);
            redirect.addFlashAttribute("notice", "acting.notice.other");
        }
        return "redirect:/app";
    }

    /** A consent awaiting the person's decision, as the page lists it. */
    public record AwaitingRow(Representations.Awaiting awaiting, String programmeName, boolean overdue) {
    }

    @GetMapping("/app/own-decisions")
    public String ownDecisions(Authentication signedIn, Model model) {
        Account own = citizens.ownAccount(signedIn);
        java.time.Instant now = clock.instant();
        List<AwaitingRow> rows = representations.awaitingOwnDecision(own).stream().map(a -> new AwaitingRow(a,
                pages.shown(programmes.get(a.programmeId())).name(), a.isOverdue(now))).toList();
        model.addAttribute("rows", rows);
        return "app/own-decisions";
    }

    @PostMapping("/app/own-decisions/{id}/confirm")
    public String confirm(@PathVariable UUID id, Authentication signedIn, RedirectAttributes redirect) {
        if (citizens.actingFor(signedIn).isPresent()) {
            actingFor.chooseSelf();
        }
        try {
            consents.confirmOwnDecision(citizens.ownAccount(signedIn), id);
            redirect.addFlashAttribute("notice", "ownDecision.notice.confirmed");
        } catch (ConflictException refused) {
            redirect.addFlashAttribute("problem", new PageProblem("ownDecision.error", refused.getMessage()));
        }
        return "redirect:/app/own-decisions";
    }
}
