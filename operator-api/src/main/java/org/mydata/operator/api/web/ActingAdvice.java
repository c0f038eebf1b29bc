package org.mydata.operator.api.web;

import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.mydata.operator.representation.Acting;
import org.mydata.operator.representation.Representations;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;

/**
 * What every citizen page says about whose data it shows ({@code actingFor}: null for one's own) and whether the
 * signed-in person has consents awaiting their own decision since they came of age ({@code awaitingOwnDecision});
 * on a consent's pages, who made each of its records ({@code actors}, by record id).
 */
@ControllerAdvice(basePackageClasses = ActingAdvice.class)
public class ActingAdvice {
    private final SignedInCitizens citizens;
    private final Representations representations;

    public ActingAdvice(SignedInCitizens citizens, Representations representations) {
        this.citizens = citizens;
        this.representations = representations;
    }

    @ModelAttribute("actingFor")
    public ActingFor.Current actingFor(Authentication signedIn) {
        return SignedInCitizens.isSignedIn(signedIn) ? citizens.actingFor(signedIn).orElse(null) : null;
    }

    @ModelAttribute("awaitingOwnDecision")
    public boolean awaitingOwnDecision(Authentication signedIn) {
        return SignedInCitizens.isSignedIn(signedIn) && citizens.actingFor(signedIn).isEmpty()
                && !representations.awaitingOwnDecision(citizens.ownAccount(signedIn)).isEmpty();
    }

    /** A record's actor as a page names it. */
    public record ActorView(String kind, String reference, java.time.Instant checkedAt, boolean viewer) {
    }

    /** On a consent's pages: who acted for the person, by record id (the consent's and its status records'). */
    @ModelAttribute("actors")
    public Map<String, ActorView> actors(@PathVariable(name = "id", required = false) String id,
                                         Authentication signedIn) {
        if (id == null || !SignedInCitizens.isSignedIn(signedIn)) {
            return Map.of();
        }
        UUID consentId;
        try {
            consentId = UUID.fromString(id);
        } catch (IllegalArgumentException notAnId) {
            return Map.of();
        }
        UUID viewer = citizens.ownAccount(signedIn).id();
        Map<UUID, Acting> actors = representations.actorsOf(consentId);
        return actors.entrySet().stream().collect(Collectors.toMap(e -> e.getKey().toString(), e -> new ActorView(
                e.getValue().kind().wire(), e.getValue().reference(), e.getValue().checkedAt(),
                e.getValue().actorAccountId().equals(viewer))));
    }
}
