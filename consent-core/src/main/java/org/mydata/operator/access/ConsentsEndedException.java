package org.mydata.operator.access;

import java.util.Set;
import java.util.UUID;

/**
 * Some consents an access relied on stopped being in force between the start of the request and the
 * moment its event would enter the log (or, under an opt-out basis, some persons it included opted out or lost
 * the link they were included through: then the ids are those links'). The caller leaves their data out and
 * records again.
 */
public final class ConsentsEndedException extends RuntimeException {
    private final Set<UUID> consentIds;

    ConsentsEndedException(Set<UUID> consentIds) {
        super("consents no longer in force: " + consentIds);
        this.consentIds = Set.copyOf(consentIds);
    }

    public Set<UUID> consentIds() {
        return consentIds;
    }
}
