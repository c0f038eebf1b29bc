package org.mydata.operator.api.demo;

import java.time.Clock;
import org.mydata.operator.account.Account;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.api.security.CitizenSubjects;
import org.mydata.operator.api.security.DemoIdentities;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.representation.Representations;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * majority: the demo's guardian consents for the demo's child ({@link DemoComingOfAge}), once, after
 * {@link DemoSeeder} registered the demo source and programme: bob, dave's guardian, links dave's record at the
 * demo hospital and donates it to the demo programme for him, exactly as the pages do (the representation checked
 * with the registry now, the records signed for dave naming bob and the guardianship). Only while dave is a minor:
 * nothing is ever signed for a guardian after the guardianship ended, and nothing is back-dated, so a data dir
 * whose child has come of age without the consent (its database lost) gets none. Once dave comes of age, the
 * consent awaits his own decision.
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE)
public class DemoComingOfAgeSeeder implements ApplicationListener<ApplicationReadyEvent> {
    private static final Logger log = LoggerFactory.getLogger(DemoComingOfAgeSeeder.class);

    private final ObjectProvider<DemoComingOfAge> comingOfAge;
    private final ObjectProvider<DemoIdentities> identities;
    private final ObjectProvider<CitizenSubjects> subjects;
    private final Representations representations;
    private final Accounts accounts;
    private final SourceRegistry sources;
    private final ProgrammeRegistry programmes;
    private final ServiceLinks links;
    private final Consents consents;
    private final Clock clock;

    public DemoComingOfAgeSeeder(ObjectProvider<DemoComingOfAge> comingOfAge, ObjectProvider<DemoIdentities> identities,
                                 ObjectProvider<CitizenSubjects> subjects, Representations representations,
                                 Accounts accounts, SourceRegistry sources, ProgrammeRegistry programmes,
                                 ServiceLinks links, Consents consents, Clock clock) {
        this.comingOfAge = comingOfAge;
        this.identities = identities;
        this.subjects = subjects;
        this.representations = representations;
        this.accounts = accounts;
        this.sources = sources;
        this.programmes = programmes;
        this.links = links;
        this.consents = consents;
        this.clock = clock;
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        DemoComingOfAge majority = comingOfAge.getIfAvailable();
        DemoIdentities demo = identities.getIfAvailable();
        CitizenSubjects citizens = subjects.getIfAvailable();
        if (majority == null || demo == null || citizens == null || demo.citizen(DemoComingOfAge.CHILD).isEmpty()
                || demo.citizen(DemoComingOfAge.GUARDIAN).isEmpty()) {
            return;
        }
        PersonIdentifier guardianId = PersonIdentifier.parse(demo.citizen(DemoComingOfAge.GUARDIAN).orElseThrow()
                .personIdentifier());
        PersonIdentifier childId = PersonIdentifier.parse(demo.citizen(DemoComingOfAge.CHILD).orElseThrow()
                .personIdentifier());
        Programme programme = programmes.findByName(DemoConfig.DEMO_PROGRAMME_NAME).orElse(null);
        FhirSource source = sources.list().stream().filter(s -> s.name().equals(DemoConfig.DEMO_SOURCE_NAME))
                .findFirst().orElse(null);
        if (programme == null || source == null) {
            return;
        }
        if (representations.boundAccount(childId).map(a -> !consents.list(a).isEmpty()).orElse(false)) {
            log.info("The demo's coming of age: {}, {}'s ward, comes of age at {}; his consents are there already "
                    + "(an earlier start seeded them)", DemoComingOfAge.CHILD, DemoComingOfAge.GUARDIAN,
                    majority.comesOfAge());
            return;
        }
        if (!clock.instant().isBefore(majority.comesOfAge())) {
            log.info("The demo's coming of age was not seeded: {} came of age at {} before the guardian's consent "
                    + "was made, and none is made after (delete {} in the data dir with the database to start it "
                    + "again)", DemoComingOfAge.CHILD, majority.comesOfAge(), DemoComingOfAge.FILE);
            return;
        }
        try {
            Account guardian = representations.boundAccount(guardianId)
                    .orElseGet(() -> accounts.forSubject(citizens.subjectOf(DemoComingOfAge.GUARDIAN)));
            Representations.Checked checked = representations.check(guardian, guardianId, childId);
            Account child = representations.accountOf(childId, citizens.subjectOf(DemoComingOfAge.CHILD));
            if (links.list(child).stream().noneMatch(l -> l.isLive() && l.sourceId().equals(source.id()))) {
                links.link(child, childId, source.id());
            }
            consents.grantOrFind(child, new NewConsent(programme.id(), null, null, null, null, null, null, "en"),
                    checked.acting(), checked.minor());
            log.info("Seeded the demo's coming of age: {}, {}'s guardian, donated {}'s data to '{}'; {} comes of age at "
                    + "{}: sign in as {} after that to confirm, change or withdraw it", DemoComingOfAge.GUARDIAN,
                    DemoComingOfAge.CHILD, DemoComingOfAge.CHILD, programme.name(), DemoComingOfAge.CHILD,
                    majority.comesOfAge(), DemoComingOfAge.CHILD);
        } catch (RuntimeException e) {
            log.warn("The demo's coming of age was not seeded: {}", e.getMessage());
        }
    }
}
