package org.mydata.operator.api.representation;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.api.demo.DemoComingOfAge;
import org.mydata.operator.api.security.DemoIdentities;
import org.mydata.operator.representation.ComingOfAge;
import org.mydata.operator.representation.DemoRepresentations;
import org.mydata.operator.representation.Representation;
import org.mydata.operator.representation.RepresentationKind;
import org.mydata.operator.representation.RepresentationSource;
import org.mydata.operator.representation.Representations;
import org.mydata.operator.store.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Acting for another person: the registry of representations (a real one over HTTP when
 * {@code operator.representation.registry-url} is set, else the embedded demo relations between demo people) and
 * the coming-of-age rule.
 */
@Configuration(proxyBeanMethods = false)
public class RepresentationConfig {
    private static final Logger log = LoggerFactory.getLogger(RepresentationConfig.class);

    @Bean
    RepresentationSource representationSource(RepresentationProperties properties,
                                              ObjectProvider<DemoIdentities> demo,
                                              ObjectProvider<DemoComingOfAge> comingOfAge) {
        if (properties.registryUrl() != null) {
            return new HttpRepresentationSource(properties.registryUrl(), properties.registryTimeout());
        }
        DemoIdentities identities = demo.getIfAvailable();
        List<Representation> relations = new ArrayList<>();
        if (identities != null) {
            for (RepresentationProperties.Relation r : properties.demo()) {
                var actor = identities.citizen(r.actor());
                var subject = identities.citizen(r.subject());
                if (actor.isEmpty() || subject.isEmpty()) {
                    log.warn("demo representation {} names a person who is not a demo citizen; left out",
                            r.reference());
                    continue;
                }
                relations.add(new Representation(RepresentationKind.fromWire(r.kind()).orElseThrow(() ->
                        new IllegalStateException("operator.representation.demo: kind must be guardian or mandate")),
                        r.reference(), PersonIdentifier.parse(actor.get().personIdentifier()),
                        PersonIdentifier.parse(subject.get().personIdentifier()), r.subjectName(),
                        r.subjectBirthDate(), null, r.validUntil()));
            }
            // majority: the demo's child who comes of age minutes after the first start (DemoComingOfAge).
            DemoComingOfAge majority = comingOfAge.getIfAvailable();
            var guardian = identities.citizen(DemoComingOfAge.GUARDIAN);
            var child = identities.citizen(DemoComingOfAge.CHILD);
            if (majority != null && guardian.isPresent() && child.isPresent()) {
                relations.add(new Representation(RepresentationKind.GUARDIAN, DemoComingOfAge.REFERENCE,
                        PersonIdentifier.parse(guardian.get().personIdentifier()),
                        PersonIdentifier.parse(child.get().personIdentifier()), DemoComingOfAge.CHILD_NAME, null,
                        null, null, majority.comesOfAge()));
            }
        }
        return new DemoRepresentations(relations);
    }

    @Bean
    Representations representations(Transactions tx, Accounts accounts, RepresentationSource source,
                                     RepresentationProperties properties, Clock clock) {
        return new Representations(tx, accounts, source, new ComingOfAge(properties.ageOfMajority(),
                properties.ownDecisionGrace(), properties.zone()), clock);
    }
}
