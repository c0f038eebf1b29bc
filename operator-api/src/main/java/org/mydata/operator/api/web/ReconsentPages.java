package org.mydata.operator.api.web;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.consent.Reconsents;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeAmendments;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.programme.ProgrammeVersion;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Re-consent on the citizen pages (amend, docs/amendments.md): the overview and each consent's page say when the
 * programme's terms changed since the person agreed ({@link Advice}); the new-version page shows what changed, in
 * the page's language, the text the person would sign against the one they signed, and lets them accept the new
 * terms in one step, keep theirs, or withdraw. The catalogue lists each programme's versions.
 */
@Controller
public class ReconsentPages {
    private final Reconsents reconsents;
    private final Consents consents;
    private final SignedInCitizens citizens;
    private final CitizenPages pages;

    public ReconsentPages(Reconsents reconsents, Consents consents, SignedInCitizens citizens, CitizenPages pages) {
        this.reconsents = reconsents;
        this.consents = consents;
        this.citizens = citizens;
        this.pages = pages;
    }

    @GetMapping("/app/consents/{id}/new-version")
    public String offer(@PathVariable UUID id, Authentication signedIn, Model model) {
        var account = citizens.account(signedIn);
        Consent consent = consents.get(account, id);
        Reconsents.Offer offer = reconsents.offer(account, id, pages.pageLanguage()).orElse(null);
        if (offer == null) {
            return "redirect:/app/consents/" + id;
        }
        model.addAttribute("card", pages.card(account, consent));
        model.addAttribute("offer", offer);
        return "app/new-version";
    }

    @PostMapping("/app/consents/{id}/new-version")
    public String accept(@PathVariable UUID id, @RequestParam(required = false) String sha256,
                         @RequestParam(required = false) String language, Authentication signedIn,
                         RedirectAttributes redirect) {
        var account = citizens.account(signedIn);
        try {
            Consent made = reconsents.accept(account, id, language, sha256);
            redirect.addFlashAttribute("notice", "amend.accepted");
            return "redirect:/app/consents/" + made.id();
        } catch (ConflictException changed) {
            redirect.addFlashAttribute("problem", new PageProblem("amend.changedMeanwhile", null));
            return "redirect:/app/consents/" + id;
        }
    }

    /** What the overview, the consent's page and the catalogue show of versions. */
    @ControllerAdvice(assignableTypes = {ConsentPagesController.class, DonationPagesController.class})
    public static class Advice {
        private final Reconsents reconsents;
        private final ProgrammeAmendments amendments;
        private final ProgrammeRegistry programmes;
        private final SignedInCitizens citizens;
        private final CitizenPages pages;

        public Advice(Reconsents reconsents, ProgrammeAmendments amendments, ProgrammeRegistry programmes,
                      SignedInCitizens citizens, CitizenPages pages) {
            this.reconsents = reconsents;
            this.amendments = amendments;
            this.programmes = programmes;
            this.citizens = citizens;
            this.pages = pages;
        }

        /** The signed-in person's live consents on an older version of their programme, by consent id. */
        @ModelAttribute("newVersions")
        public Map<UUID, Reconsents.Offer> newVersions(Authentication signedIn) {
            Map<UUID, Reconsents.Offer> offers = new LinkedHashMap<>();
            if (signedIn == null || !signedIn.isAuthenticated() || CitizenPageAdvice.nameOf(signedIn) == null) {
                return offers;
            }
            try {
                reconsents.offers(citizens.account(signedIn), pages.pageLanguage())
                        .forEach(o -> offers.put(o.consent().id(), o));
            } catch (RuntimeException notACitizen) {
                // Not a citizen's session: the pages refuse it themselves.
            }
            return offers;
        }

        /** The version history of every amended programme, by programme id (a programme never amended: none). */
        @ModelAttribute("programmeVersions")
        public Map<UUID, List<ProgrammeVersion>> programmeVersions() {
            Map<UUID, List<ProgrammeVersion>> versions = new LinkedHashMap<>();
            for (Programme p : programmes.list()) {
                try {
                    List<ProgrammeVersion> history = amendments.versions(p.id());
                    if (history.size() > 1) {
                        versions.put(p.id(), history);
                    }
                } catch (NotFoundException gone) {
                    // Not there any more: nothing to list.
                }
            }
            return versions;
        }
    }
}
