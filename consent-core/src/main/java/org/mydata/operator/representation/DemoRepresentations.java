package org.mydata.operator.representation;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.mydata.operator.account.PersonIdentifier;

/**
 * The embedded default's representations: a fixed list, from the operator's settings (the demo guardian and
 * child). For trying the operator and for tests; a real deployment asks a registry.
 */
public final class DemoRepresentations implements RepresentationSource {
    private final List<Representation> relations;

    public DemoRepresentations(List<Representation> relations) {
        this.relations = List.copyOf(Objects.requireNonNull(relations, "relations"));
    }

    @Override
    public List<Representation> forActor(PersonIdentifier actor, Instant at) {
        return relations.stream().filter(r -> r.actor().equals(actor) && r.isValidAt(at)).toList();
    }
}
