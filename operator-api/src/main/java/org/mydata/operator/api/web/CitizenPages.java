package org.mydata.operator.api.web;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.link.ServiceLink;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;
import org.springframework.stereotype.Component;

/**
 * What the pages need to describe a person's consents and links in words: programme and source names in
 * place of ids. Each call reads fresh from the database; nothing is cached between requests.
 */
@Component
public class CitizenPages {
    private final ProgrammeRegistry programmes;
    private final SourceRegistry sources;
    private final ServiceLinks links;

    public CitizenPages(ProgrammeRegistry programmes, SourceRegistry sources, ServiceLinks links) {
        this.programmes = programmes;
        this.sources = sources;
        this.links = links;
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
            return consent.status() != org.mydata.operator.consent.ConsentStatus.WITHDRAWN && liveSources().isEmpty();
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
            names.put(source.id(), source.name());
        }
        return names;
    }

    public List<LinkRow> links(Account account) {
        Map<UUID, String> names = sourceNames();
        return links.list(account).stream().map(l -> new LinkRow(l, names.getOrDefault(l.sourceId(), "?"))).toList();
    }

    public List<ConsentCard> cards(Account account, List<Consent> consents) {
        Map<UUID, Programme> byId = new HashMap<>();
        programmes.list().forEach(p -> byId.put(p.id(), p));
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
