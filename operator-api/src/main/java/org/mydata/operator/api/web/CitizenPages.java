package org.mydata.operator.api.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.link.ServiceLink;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.programme.Language;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;
import org.springframework.context.MessageSource;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * What the pages need to describe a person's consents and links in words: programme and source names in
 * place of ids. Each call reads fresh from the database; nothing is cached between requests.
 */
@Component
public class CitizenPages {
    private final ProgrammeRegistry programmes;
    private final SourceRegistry sources;
    private final ServiceLinks links;
    private final MessageSource messages;

    public CitizenPages(ProgrammeRegistry programmes, SourceRegistry sources, ServiceLinks links,
                        MessageSource messages) {
        this.programmes = programmes;
        this.sources = sources;
        this.links = links;
        this.messages = messages;
    }

    /** The page's language, as the signed texts name it. */
    public Language pageLanguage() {
        return Language.fromTag(LocaleContextHolder.getLocale().getLanguage()).orElse(Language.EN);
    }

    /**
     * A programme in the reader's language: its own texts in it, as registered ({@link Programme#texts}). A
     * programme that does not offer the reader's language is shown in its first language, and the pages say so
     * ({@link #offers}); the page around it stays in the reader's language.
     */
    public Programme shown(Programme programme) {
        return programme == null ? null : programme.in(pageLanguage()).orElse(programme);
    }

    /** Whether the programme offers its texts in the reader's language. */
    public boolean offersPageLanguage(Programme programme) {
        return programme.offers(pageLanguage());
    }

    /**
     * The language a person reads a text to sign in: the one they picked among those the programme offers, else
     * the page's; empty when the programme offers neither, and the page asks them to pick ({@link #offers}).
     */
    public Optional<Language> textLanguage(Programme programme, String picked) {
        Optional<Language> chosen = Language.fromTag(picked).filter(programme::offers);
        if (chosen.isPresent()) {
            return chosen;
        }
        return programme.offers(pageLanguage()) ? Optional.of(pageLanguage()) : Optional.empty();
    }

    /** A language a programme offers its texts in: its own name for it, and this page with the text in it. */
    public record LanguageOffer(String tag, String name, String href) {
    }

    /** The languages the programme offers, each as a link to this same page with its text in that language. */
    public List<LanguageOffer> offers(Programme programme) {
        HttpServletRequest request = ((ServletRequestAttributes) RequestContextHolder.currentRequestAttributes())
                .getRequest();
        String page = PageLanguages.samePage(request);
        return programme.languages().stream().map(language -> new LanguageOffer(language.tag(),
                ownName(language), UriComponentsBuilder.fromUriString(page).replaceQueryParam(TEXT_LANGUAGE,
                        language.tag()).build().toUriString())).toList();
    }

    /** The query parameter (and form field) naming the language of the text to sign. */
    public static final String TEXT_LANGUAGE = "language";

    /** A language's own name by its tag ("Suomi" for {@code fi}). */
    public String languageName(String tag) {
        return Language.fromTag(tag).map(CitizenPages::ownName).orElse(tag);
    }

    /** The languages a programme offers its texts in, by their own names, for the catalogue. */
    public String languageNames(Programme programme) {
        return String.join(", ", programme.languages().stream().map(CitizenPages::ownName).toList());
    }

    /** A language's name in that language ("suomi"), capitalised as a choice in a list. */
    public static String ownName(Language language) {
        String name = language.locale().getDisplayLanguage(language.locale());
        return name.substring(0, 1).toUpperCase(language.locale()) + name.substring(1);
    }

    /**
     * A programme's name (or, with {@code organisation}, its organisation's) in the reader's language, for pages
     * that have only the registered name, such as the summary of the export; as registered when the programme
     * is gone or does not offer the language; null stays null.
     */
    public String programmeText(String registeredName, String part, String registered) {
        if (registeredName == null || registered == null) {
            return registered;
        }
        return programmes.findByName(registeredName).flatMap(p -> p.in(pageLanguage()))
                .map(p -> "organisation".equals(part) ? p.organisation() : p.name()).orElse(registered);
    }

    /** A part of a contact on the rights page as the reader's language words it ({@code contact.<slug>}). */
    public String contactText(String configured) {
        return configured == null || configured.isBlank() ? configured : text("contact." + slug(configured), configured);
    }

    /** A source's name as the reader's language words it ({@code source.<slug>.name}), else as registered. */
    public String sourceName(String registered) {
        return registered == null ? null : text("source." + slug(registered) + ".name", registered);
    }

    static String slug(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    }

    private String text(String key, String registered) {
        return messages.getMessage(key, null, registered, LocaleContextHolder.getLocale());
    }

    /**
     * A consent with the names a person recognises, and each of its sources with whether its link still lives:
     * nothing more is shared from a source whose link was removed, whatever the consent's status says.
     */
    public record ConsentCard(Consent consent, Programme programme, List<ConsentSource> sources) {
        public String status() {
            return consent.status().wire();
        }

        public List<String> sourceNames() {
            return sources.stream().map(ConsentSource::name).toList();
        }

        public List<ConsentSource> liveSources() {
            return sources.stream().filter(ConsentSource::live).toList();
        }

        public List<ConsentSource> removedSources() {
            return sources.stream().filter(s -> !s.live()).toList();
        }

        /** Not withdrawn, yet every source it relied on is unlinked: it shares nothing now. */
        public boolean sharesNothing() {
            return consent.status() != org.mydata.operator.verify.consent.ConsentStatus.WITHDRAWN && liveSources().isEmpty();
        }
    }

    /** A source a consent names, by name; {@code removedAt} is when its link was removed, or null while live. */
    public record ConsentSource(String name, java.time.Instant removedAt) {
        public boolean live() {
            return removedAt == null;
        }
    }

    /** A link with its source's name. */
    public record LinkRow(ServiceLink link, String sourceName) {
    }

    public Map<UUID, String> sourceNames() {
        Map<UUID, String> names = new HashMap<>();
        for (FhirSource source : sources.list()) {
            names.put(source.id(), sourceName(source.name()));
        }
        return names;
    }

    public List<LinkRow> links(Account account) {
        Map<UUID, String> names = sourceNames();
        return links.list(account).stream().map(l -> new LinkRow(l, names.getOrDefault(l.sourceId(), "?"))).toList();
    }

    public List<ConsentCard> cards(Account account, List<Consent> consents) {
        Map<UUID, Programme> byId = new HashMap<>();
        programmes.list().forEach(p -> byId.put(p.id(), shown(p)));
        Map<UUID, ConsentSource> sourceByLink = new HashMap<>();
        for (LinkRow row : links(account)) {
            sourceByLink.put(row.link().id(), new ConsentSource(row.sourceName(), row.link().removedAt()));
        }
        return consents.stream().map(c -> new ConsentCard(c, byId.get(c.programmeId()),
                c.linkIds().stream().map(id -> sourceByLink.getOrDefault(id, new ConsentSource("?", null))).toList()))
                .toList();
    }

    public ConsentCard card(Account account, Consent consent) {
        return cards(account, List.of(consent)).get(0);
    }
}
