package org.mydata.operator.api.web;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.failure.OperatorException;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.link.RefusedClaim;
import org.mydata.operator.link.ServiceLink;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Health record sources: link one (the operator asks the source for the person by their verified
 * identifier; the person never types an id), see the links, remove one.
 */
@Controller
public class SourcePagesController {
    private final SourceRegistry sources;
    private final ServiceLinks links;
    private final SignedInCitizens citizens;
    private final PersonIdentifiers personIdentifiers;
    private final CitizenPages pages;

    public SourcePagesController(SourceRegistry sources, ServiceLinks links, SignedInCitizens citizens,
                                 PersonIdentifiers personIdentifiers, CitizenPages pages) {
        this.sources = sources;
        this.links = links;
        this.citizens = citizens;
        this.personIdentifiers = personIdentifiers;
        this.pages = pages;
    }

    /**
     * A source as the sources page lists it: the person's live link to it, if any, and when other accounts
     * tried to link the person's patient there.
     */
    public record SourceRow(FhirSource source, ServiceLink liveLink, List<Instant> refusedClaims, String name) {
    }

    @GetMapping("/app/sources")
    public String list(Authentication signedIn, Model model) {
        Account account = citizens.account(signedIn);
        List<CitizenPages.LinkRow> all = pages.links(account);
        List<RefusedClaim> refused = links.refusedClaims(account);
        model.addAttribute("sources", sources.list().stream().map(s -> new SourceRow(s, all.stream()
                .map(CitizenPages.LinkRow::link).filter(l -> l.isLive() && l.sourceId().equals(s.id()))
                .findFirst().orElse(null), refused.stream().filter(r -> r.sourceId().equals(s.id()))
                .map(RefusedClaim::attemptedAt).toList(), pages.sourceName(s.name()))).toList());
        model.addAttribute("removed", all.stream().filter(r -> !r.link().isLive()).toList());
        return "app/sources";
    }

    @PostMapping("/app/sources/{sourceId}/link")
    public String link(@PathVariable UUID sourceId, Authentication signedIn, RedirectAttributes redirect) {
        Account account = citizens.account(signedIn);
        // Acting for another person, their record is found by their identifier (from the representation).
        PersonIdentifier person = citizens.actingFor(signedIn).map(a -> a.representation().subject())
                .or(() -> personIdentifiers.of(signedIn)).orElse(null);
        if (person == null) {
            redirect.addFlashAttribute("problem", new PageProblem("sources.error.noIdentifier", null));
            return "redirect:/app/sources";
        }
        try {
            ServiceLink link = links.link(account, person, sourceId);
            redirect.addFlashAttribute("notice", "sources.notice.linked");
            redirect.addFlashAttribute("noticeArgs", new Object[] {pages.sourceName(sources.get(link.sourceId()).name())});
        } catch (OperatorException refused) {
            redirect.addFlashAttribute("problem", linkRefused(sourceId, refused));
        }
        return "redirect:/app/sources";
    }

    /** Why a link failed, in the person's words: the domain's message is for developers. */
    private PageProblem linkRefused(UUID sourceId, OperatorException refused) {
        String name = sources.list().stream().filter(s -> s.id().equals(sourceId)).map(s -> pages.sourceName(s.name()))
                .findFirst().orElse(null);
        if (name == null) {
            return new PageProblem("sources.error.link", refused.getMessage());
        }
        if (refused instanceof NotFoundException) {
            return new PageProblem("sources.error.noRecord", refused.getMessage(), List.of(name));
        }
        if (refused instanceof ConflictException) {
            return new PageProblem("sources.error.conflict", refused.getMessage(), List.of(name));
        }
        if (refused instanceof SourceUnavailableException) {
            return new PageProblem("problem.source", refused.getMessage());
        }
        return new PageProblem("sources.error.link", refused.getMessage());
    }

    @GetMapping("/app/links/{linkId}/remove")
    public String confirmRemoval(@PathVariable UUID linkId, Authentication signedIn, Model model) {
        Account account = citizens.account(signedIn);
        ServiceLink link = links.get(account, linkId);
        model.addAttribute("link", link);
        model.addAttribute("sourceName", pages.sourceName(sources.get(link.sourceId()).name()));
        return "app/remove-link";
    }

    @PostMapping("/app/links/{linkId}/remove")
    public String remove(@PathVariable UUID linkId, Authentication signedIn, RedirectAttributes redirect) {
        Account account = citizens.account(signedIn);
        ServiceLink removed = links.remove(account, linkId);
        redirect.addFlashAttribute("notice", "sources.notice.removed");
        redirect.addFlashAttribute("noticeArgs",
                new Object[] {pages.sourceName(sources.get(removed.sourceId()).name())});
        return "redirect:/app/sources";
    }
}
