package org.mydata.operator.api.demo;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.mydata.operator.account.Account;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.consent.Reconsents;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.demo.DemoPerson;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Language;
import org.mydata.operator.programme.NewAmendment;
import org.mydata.operator.programme.NewProgramme;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeAmendments;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.programme.ProgrammeTexts;
import org.mydata.operator.programme.Promise;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * amend: the demo's amended programme (docs/amendments.md). After {@link DemoSeeder} (which registers the demo
 * source), once: a registry programme registered at version 1, two demo donors (the last two persons of the demo
 * dataset, who are no sign-in users) consenting to it, an amendment that widens it (medication data added), and one
 * of them accepting the new version. So the catalogue shows a version history, and the programme has people on both
 * versions. {@code operator.embedded.demo-versions=false} leaves it out (the integration tests do: they link every
 * demo person themselves).
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE)
public class DemoVersionsSeeder implements ApplicationListener<ApplicationReadyEvent> {
    public static final String PROGRAMME_NAME = "Heart and Sleep Registry (demo)";
    private static final Logger log = LoggerFactory.getLogger(DemoVersionsSeeder.class);

    private final OperatorProperties properties;
    private final boolean enabled;
    private final ObjectProvider<DemoFhirSource> demoSource;
    private final SourceRegistry sources;
    private final ProgrammeRegistry programmes;
    private final ProgrammeAmendments amendments;
    private final Accounts accounts;
    private final ServiceLinks links;
    private final Consents consents;
    private final Reconsents reconsents;

    public DemoVersionsSeeder(OperatorProperties properties,
                              @Value("${operator.embedded.demo-versions:true}") boolean enabled,
                              ObjectProvider<DemoFhirSource> demoSource, SourceRegistry sources,
                              ProgrammeRegistry programmes, ProgrammeAmendments amendments, Accounts accounts,
                              ServiceLinks links, Consents consents, Reconsents reconsents) {
        this.properties = properties;
        this.enabled = enabled;
        this.demoSource = demoSource;
        this.sources = sources;
        this.programmes = programmes;
        this.amendments = amendments;
        this.accounts = accounts;
        this.links = links;
        this.consents = consents;
        this.reconsents = reconsents;
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        DemoFhirSource dataset = demoSource.getIfAvailable();
        if (!properties.embedded().demo() || !enabled || dataset == null
                || programmes.findByName(PROGRAMME_NAME).isPresent()) {
            return;
        }
        FhirSource source = sources.list().stream().filter(s -> s.name().equals(DemoConfig.DEMO_SOURCE_NAME))
                .findFirst().orElse(null);
        if (source == null) {
            return;
        }
        try {
            seed(dataset, source);
        } catch (RuntimeException e) {
            log.warn("The demo's amended programme was not seeded: {}", e.getMessage());
        }
    }

    private void seed(DemoFhirSource dataset, FhirSource source) {
        Programme programme = programmes.create(new NewProgramme(PROGRAMME_NAME,
                "A registry of heart health over the years. Researchers study how heart conditions develop, only "
                        + "under permits our stewards approve.", "Nordic Heart Registry (demo)",
                List.of("dpv:ScientificResearch"),
                new DataScope(List.of("Patient", "Observation", "Condition"), LocalDate.parse("2010-01-01"), null),
                "https://example.org/mydata-demo/heart-registry-terms", "1.0", List.of(DemoConfig.DEMO_STEWARD),
                List.of(Promise.NON_COMMERCIAL.code())).withTexts(Map.of(
                "fi", new ProgrammeTexts("Sydän- ja unirekisteri (demo)", "Sydämen terveyden rekisteri vuosien "
                        + "ajalta. Tutkijat tutkivat sydänsairauksien kehittymistä vain luvilla, jotka "
                        + "vastuuhenkilömme hyväksyvät.", "Pohjoismainen sydänrekisteri (demo)"),
                "sv", new ProgrammeTexts("Hjärt- och sömnregistret (demo)", "Ett register över hjärthälsa genom "
                        + "åren. Forskare studerar hur hjärtsjukdomar utvecklas, endast med tillstånd som våra "
                        + "ansvarspersoner har godkänt.", "Nordiska hjärtregistret (demo)"))));
        List<DemoPerson> persons = dataset.persons(Integer.MAX_VALUE);
        List<DemoPerson> donors = persons.subList(Math.max(0, persons.size() - 2), persons.size());
        List<Consent> given = new java.util.ArrayList<>();
        for (int i = 0; i < donors.size(); i++) {
            Account account = accounts.forSubject("demo-donor-" + (i + 1));
            links.link(account, donors.get(i).identifier(), source.id());
            given.add(consents.grant(account, new NewConsent(programme.id(), null, null, null, null, null, null,
                    i == 0 ? "fi" : "sv")));
        }
        amendments.amend(programme.id(), "admin-demo", new NewAmendment("We add medication data, to study how "
                + "treatment changes the course of heart conditions.", null,
                new DataScope(List.of("Patient", "Observation", "Condition", "MedicationRequest"),
                        LocalDate.parse("2010-01-01"), null), null, null, null, null, "2.0", null));
        if (given.size() == 2) {
            Account second = new Account(given.get(1).accountId(), null, null);
            reconsents.accept(second, given.get(1).id(), Language.SV.tag(), null);
        }
        log.info("Seeded the demo's amended programme '{}': version 2, with a donor on each version", PROGRAMME_NAME);
    }
}
