package org.mydata.operator.api.web;

import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.optout.OptOut;
import org.mydata.operator.optout.OptOuts;
import org.mydata.operator.programme.Language;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.representation.Acting;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Opting out of a programme on an opt-out basis, and undoing it, each through a confirmation page. The opt-out
 * page shows the exact notice whose SHA-256 the signed record carries; the POST sends that hash back, so a notice
 * that changed in between is shown again, never signed. Someone acting for another person opts out (and back in)
 * for that person: the signed records name the actor and the representation (docs/representation.md).
 */
@Controller
public class OptOutPagesController {
    private final ProgrammeRegistry programmes;
    private final OptOuts optOuts;
    private final SignedInCitizens citizens;
    private final CitizenPages pages;

    public OptOutPagesController(ProgrammeRegistry programmes, OptOuts optOuts, SignedInCitizens citizens,
                                 CitizenPages pages) {
        this.programmes = programmes;
        this.optOuts = optOuts;
        this.citizens = citizens;
        this.pages = pages;
    }

    @GetMapping("/app/programmes/{id}/opt-out")
    public String confirmOptOut(@PathVariable UUID id,
                                @RequestParam(name = CitizenPages.TEXT_LANGUAGE, required = false) String language,
                                Authentication signedIn, Model model, RedirectAttributes redirect) {
        citizens.account(signedIn);
        Programme programme = programmes.get(id);
        // A programme without the reader's language: its notice is read in one it offers, which the person picks.
        Optional<Language> textLanguage = pages.textLanguage(programme, language);
        String notice;
        try {
            notice = optOuts.notice(id, textLanguage.orElse(programme.languages().get(0)));
        } catch (ConflictException consentBasis) {
            redirect.addFlashAttribute("problem", new PageProblem("optout.error.consentBasis", null));
            return "redirect:/app/programmes";
        }
        model.addAttribute("programme", pages.shown(programme));
        if (textLanguage.isPresent()) {
            model.addAttribute("text", notice);
            model.addAttribute("textSha256", RecordHash.sha256(notice));
            model.addAttribute("textLanguage", textLanguage.get().tag());
        }
        return "app/opt-out";
    }

    @PostMapping("/app/programmes/{id}/opt-out")
    public String optOut(@PathVariable UUID id, @RequestParam String shownNoticeSha256,
                         @RequestParam(name = CitizenPages.TEXT_LANGUAGE, required = false) String language,
                         Authentication signedIn, RedirectAttributes redirect) {
        Account account = citizens.account(signedIn);
        try {
            // Acting for another person: the record names the actor and the representation, as a consent's does.
            optOuts.optOut(account, id, shownNoticeSha256, Language.requested(language), acting(signedIn));
        } catch (ConflictException refused) {
            redirect.addFlashAttribute("problem", new PageProblem("optout.error.refused", refused.getMessage()));
            return "redirect:/app/programmes";
        }
        redirect.addFlashAttribute("notice", "optout.notice.done");
        return "redirect:/app/programmes";
    }

    @GetMapping("/app/opt-outs/{id}/undo")
    public String confirmUndo(@PathVariable UUID id, Authentication signedIn, Model model) {
        OptOut optOut = optOuts.get(citizens.account(signedIn), id);
        model.addAttribute("optOut", optOut);
        model.addAttribute("programme", pages.shown(programmes.get(optOut.programmeId())));
        return "app/undo-opt-out";
    }

    @PostMapping("/app/opt-outs/{id}/undo")
    public String undo(@PathVariable UUID id, Authentication signedIn, RedirectAttributes redirect) {
        try {
            optOuts.withdraw(citizens.account(signedIn), id, acting(signedIn));
        } catch (ConflictException refused) {
            redirect.addFlashAttribute("problem", new PageProblem("optout.error.refused", refused.getMessage()));
            return "redirect:/app/programmes";
        }
        redirect.addFlashAttribute("notice", "optout.notice.undone");
        return "redirect:/app/programmes";
    }

    /** Who acts for the person, checked with the registry in this request; null when the person acts themself. */
    private Acting acting(Authentication signedIn) {
        return citizens.actingFor(signedIn).map(ActingFor.Current::acting).orElse(null);
    }
}
