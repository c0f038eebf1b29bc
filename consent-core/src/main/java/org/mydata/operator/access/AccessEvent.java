package org.mydata.operator.access;

import org.mydata.operator.verify.access.PersonAccess;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One gateway request that released data: who asked, under which permit, for which types, how much
 * of how many persons, relying on which consents. It names no person except by account id.
 */
public record AccessEvent(UUID id, UUID permitId, String client, String interaction, List<String> resourceTypes,
                          int resourceCount, List<PersonAccess> persons, Instant at) {

    public AccessEvent {
        resourceTypes = List.copyOf(resourceTypes);
        persons = List.copyOf(persons);
    }

    /** The consents relied on; none under an opt-out basis. */
    List<UUID> consentIds() {
        return persons.stream().map(PersonAccess::consentId).filter(java.util.Objects::nonNull).distinct().toList();
    }

    /** The service links through which persons were included under an opt-out basis; none under consent. */
    public List<UUID> linkIds() {
        return persons.stream().map(PersonAccess::slrId).filter(java.util.Objects::nonNull).distinct().toList();
    }

    int personCount() {
        return (int) persons.stream().map(PersonAccess::accountId).distinct().count();
    }
}
