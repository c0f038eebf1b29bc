package org.mydata.operator.api.web;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.LiveConsentExistsException;
import org.mydata.operator.optout.OptOut;
import org.mydata.operator.optout.OptOuts;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Language;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.ConsentModes;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The catalogue and the donation: choose what to share, read exactly what will be signed, confirm. The
 * choices travel in the query (choosing stores nothing, so it is safe to repeat or bookmark); only the final
 * confirmation is a POST, carrying the SHA-256 of the text shown, so the consent record proves what the
 * person read and a text that changed in between is refused, never signed.
 */
@Controller
@RequestMapping("/app/programmes")
public class DonationPagesController {
    private final ProgrammeRegistry programmes;
    private final Consents consents;
    private final SignedInCitizens citizens;
    private final CitizenPages pages;
    private final OptOuts optOuts;
    private final Clock clock;
    private final ZoneId zone;

    public DonationPagesController(ProgrammeRegistry programmes, Consents consents, SignedInCitizens citizens,
                                   CitizenPages pages, Clock clock, PageFormat format, OptOuts optOuts) {
        this.optOuts = optOuts;
        this.programmes = programmes;
        this.consents = consents;
        this.citizens = citizens;
        this.pages = pages;
        this.clock = clock;
        this.zone = format.zone();
    }

    /**
     * What a person chose on the donation form. {@code all} is the explicit "all of these kinds" choice: the
     * kinds start unticked (consent is an affirmative act), and ticking nine boxes should not be the price of it.
     * {@code access} is how researchers may receive the data, {@code statistics} (only) or {@code records}
     * (statistics and pseudonymised records); null until the person chooses, and nothing is chosen for them.
     */
    record Choice(List<String> types, List<UUID> sources, LocalDate until, boolean all, String access) {
        Choice {
            types = types == null ? List.of() : List.copyOf(types);
            sources = sources == null ? List.of() : List.copyOf(sources);
            access = access == null || access.isBlank() ? null : access;
        }

        /** The kinds this choice gives: every kind the programme asks for when "all" was chosen. */
        Choice resolvedFor(Programme programme) {
            return all ? new Choice(programme.scope().resourceTypes(), sources, until, true, access) : this;
        }

        /**
         * The consent stays in force through the whole chosen day in the pages' zone, the day the person sees:
         * it ends at the midnight that follows it. No day means until the person withdraws.
         */
        Instant validUntil(ZoneId zone) {
            return until == null ? null : until.plusDays(1).atStartOfDay(zone).toInstant();
        }

        /** The modes chosen, by name: records bring statistics with them. Null when none was chosen. */
        public List<String> accessModes() {
            return access == null ? null : AccessMode.fromWireName(access).map(m -> ConsentModes.toClaim(List.of(m)))
                    .orElse(List.of(access));
        }

        /** Whether "statistics and pseudonymised records" was chosen. */
        public boolean records() {
            return AccessMode.RECORDS.wireName().equals(access);
        }

        NewConsent toConsent(UUID programmeId, String shownTextSha256, ZoneId zone, Language language) {
            return new NewConsent(programmeId, null, DataScope.ofTypes(types), sources, validUntil(zone),
                    shownTextSha256, accessModes(), language.tag());
        }

        String query() {
            UriComponentsBuilder query = UriComponentsBuilder.newInstance();
            if (all) {
                query.queryParam("all", true);
            } else {
                types.forEach(t -> query.queryParam("type", t));
            }
            sources.forEach(s -> query.queryParam("source", s));
            if (access != null) {
                query.queryParam("access", access);
            }
            if (until != null) {
                query.queryParam("until", until);
            }
            return query.build().encode().toUriString();
        }
    }

    @GetMapping
    public String catalogue(Authentication signedIn, Model model) {
        Account account = citizens.account(signedIn);
        model.addAttribute("programmes", programmes.list().stream().map(pages::shown).toList());
        // The person's live opt-outs by programme: what the catalogue offers to undo.
        Map<UUID, OptOut> live = new java.util.HashMap<>();
        optOuts.list(account).stream().filter(OptOut::isLive).forEach(o -> live.put(o.programmeId(), o));
        model.addAttribute("optOuts", live);
        return "app/programmes";
    }

    /**
     * The donation form. With no choices yet no kind of data is ticked (the person ticks what they share, or
     * "all of these"); every linked source is, since choosing where from is not the consent itself.
     */
    @GetMapping("/{id}/donate")
    public String choose(@PathVariable UUID id, @RequestParam(name = "type", required = false) List<String> types,
                         @RequestParam(name = "source", required = false) List<UUID> sources,
                         @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate until,
                         @RequestParam(defaultValue = "false") boolean all,
                         @RequestParam(required = false) String access, Authentication signedIn, Model model) {
        Account account = citizens.account(signedIn);
        Programme programme = programmes.get(id);
        List<CitizenPages.LinkRow> live = pages.links(account).stream().filter(r -> r.link().isLive()).toList();
        Choice choice = new Choice(types,
                sources == null ? live.stream().map(r -> r.link().sourceId()).toList() : sources, until, all, access);
        model.addAttribute("liveConsent", consents.live(account, id).orElse(null));
        return chooseForm(programme, live, choice, null, model);
    }

    @GetMapping("/{id}/confirm")
    public String confirm(@PathVariable UUID id, @RequestParam(name = "type", required = false) List<String> types,
                          @RequestParam(name = "source", required = false) List<UUID> sources,
                          @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE)
                          LocalDate until, @RequestParam(defaultValue = "false") boolean all,
                          @RequestParam(required = false) String access,
                          @RequestParam(name = CitizenPages.TEXT_LANGUAGE, required = false) String language,
                          Authentication signedIn, Model model) {
        Account account = citizens.account(signedIn);
        Programme programme = programmes.get(id);
        List<CitizenPages.LinkRow> live = pages.links(account).stream().filter(r -> r.link().isLive()).toList();
        Choice choice = new Choice(types, sources, until, all, access).resolvedFor(programme);
        if (live.isEmpty()) {
            return chooseForm(programme, live, choice, null, model);
        }
        if (choice.types().isEmpty() || choice.access() == null) {
            // Both said at once: the person fixes what is missing in one go.
            if (choice.access() == null) {
                model.addAttribute("accessMissing", true);
            }
            if (choice.types().isEmpty()) {
                model.addAttribute("kindsMissing", true);
                return chooseForm(programme, live, choice, new PageProblem("donate.error.noKindsChosen", null), model);
            }
            return chooseForm(programme, live, choice, new PageProblem("donate.error.noAccessChosen", null), model);
        }
        if (choice.sources().isEmpty()) {
            return chooseForm(programme, live, choice, new PageProblem("donate.error.noSources", null), model);
        }
        // A programme without the reader's language: its text is read in one it offers, which the person picks.
        Optional<Language> textLanguage = pages.textLanguage(programme, language);
        Language textIn = textLanguage.orElse(programme.languages().get(0));
        Consents.Prospect prospect;
        try {
            prospect = consents.prospect(account, choice.toConsent(id, null, zone, textIn));
        } catch (InvalidRequestException | ConflictException refused) {
            return chooseForm(programme, live, choice, new PageProblem(refusal(refused), refused.getMessage()),
                    model);
        }
        if (prospect.live().isPresent() && !prospect.repeats()) {
            // Said before the person reads and confirms a text that could not be given.
            model.addAttribute("liveConsent", prospect.live().get());
            return chooseForm(programme, live, choice, new PageProblem("donate.error.exists", null), model);
        }
        String text = prospect.text();
        model.addAttribute("repeats", prospect.repeats());
        Map<UUID, String> names = pages.sourceNames();
        model.addAttribute("programme", pages.shown(programme));
        model.addAttribute("choice", choice);
        model.addAttribute("validUntil", choice.validUntil(zone));
        model.addAttribute("sourceNames", choice.sources().stream().map(s -> names.getOrDefault(s, "?")).toList());
        if (textLanguage.isPresent()) {
            model.addAttribute("text", text);
            model.addAttribute("textSha256", RecordHash.sha256(text));
            model.addAttribute("textLanguage", textIn.tag());
        }
        model.addAttribute("changeUrl", "/app/programmes/" + id + "/donate" + choice.query());
        return "app/confirm";
    }

    @PostMapping("/{id}/donate")
    public String donate(@PathVariable UUID id, @RequestParam(name = "type", required = false) List<String> types,
                         @RequestParam(name = "source", required = false) List<UUID> sources,
                         @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate until,
                         @RequestParam(required = false) String access, @RequestParam String shownTextSha256,
                         @RequestParam(name = CitizenPages.TEXT_LANGUAGE, required = false) String language,
                         Authentication signedIn, RedirectAttributes redirect) {
        Account account = citizens.account(signedIn);
        Choice choice = new Choice(types, sources, until, false, access);
        if (choice.access() == null) {
            // Only a hand-made form gets here (the confirmation page always carries the choice): nothing is signed.
            redirect.addFlashAttribute("problem", new PageProblem("donate.error.noAccessChosen", null));
            return "redirect:/app/programmes/" + id + "/donate" + choice.query();
        }
        Language textIn = Language.requested(language);
        Consents.Granted granted;
        try {
            // Acting for another person: the records name the actor and the representation checked just now.
            java.util.Optional<ActingFor.Current> actingFor = citizens.actingFor(signedIn);
            granted = consents.grantOrFind(account, choice.toConsent(id, shownTextSha256, zone, textIn),
                    actingFor.map(ActingFor.Current::acting).orElse(null),
                    actingFor.map(ActingFor.Current::minor).orElse(null));
        } catch (LiveConsentExistsException exists) {
            // Another consent to the programme lives (given in another tab, say): show it and how to change it.
            redirect.addFlashAttribute("problem", new PageProblem("donate.error.exists", null));
            return "redirect:/app/consents/" + exists.consentId();
        } catch (ConflictException changed) {
            // Typically the text changed since it was shown (the programme's terms, a source's name): show it again.
            redirect.addFlashAttribute("problem", new PageProblem("donate.error.changed", changed.getMessage()));
            return "redirect:/app/programmes/" + id + "/confirm" + choice.query()
                    + (choice.query().isEmpty() ? "?" : "&") + CitizenPages.TEXT_LANGUAGE + "=" + textIn.tag();
        }
        // A second press of "Confirm" (Back, a double click, a retry) finds the consent the first one gave.
        redirect.addFlashAttribute("notice", granted.created() ? "consent.notice.given" : "consent.notice.alreadyGiven");
        return "redirect:/app/consents/" + granted.consent().id();
    }

    /** Why the operator refused the choices, in a sentence of the person's language. */
    private static String refusal(RuntimeException refused) {
        String field = refused instanceof InvalidRequestException invalid && invalid.field() != null
                ? invalid.field() : "";
        if (field.startsWith("scope")) {
            return "donate.error.kinds";
        }
        if (field.equals("sourceIds")) {
            return "donate.error.sources";
        }
        if (field.equals("validUntil")) {
            return "donate.error.until";
        }
        if (field.equals("accessModes")) {
            return "donate.error.access";
        }
        return "donate.error.refused";
    }

    private String chooseForm(Programme programme, List<CitizenPages.LinkRow> live, Choice choice, PageProblem problem,
                              Model model) {
        model.addAttribute("programme", pages.shown(programme));
        model.addAttribute("liveLinks", live);
        model.addAttribute("choice", choice);
        model.addAttribute("offersRecords", programme.offers(AccessMode.RECORDS));
        if (problem != null) {
            model.addAttribute("problem", problem);
        }
        // The earliest end a person can pick is today: the consent then lasts until tonight's midnight.
        model.addAttribute("today", LocalDate.now(clock.withZone(zone)));
        return "app/donate";
    }
}
