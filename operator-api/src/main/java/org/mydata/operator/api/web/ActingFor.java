package org.mydata.operator.api.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.util.List;
import java.util.Optional;
import org.mydata.operator.account.Account;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.api.security.CitizenSubjects;
import org.mydata.operator.api.security.DemoIdentities;
import org.mydata.operator.failure.ForbiddenException;
import org.mydata.operator.representation.Acting;
import org.mydata.operator.representation.OwnDecision;
import org.mydata.operator.representation.Representation;
import org.mydata.operator.representation.Representations;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Whose data a signed-in person manages on the pages: their own, or (after choosing on the "whose data" page)
 * another person's whom a guardianship or mandate lets them act for. The choice lives in the session; the
 * representation is asked of the registry again on every request, so a mandate that ends mid-session stops the
 * actor at their next page or action, and the choice is dropped.
 */
@Component
public class ActingFor {
    private static final String CHOSEN = ActingFor.class.getName() + ".chosen";
    private static final String CURRENT = ActingFor.class.getName() + ".current";

    private final Representations representations;
    private final PersonIdentifiers identifiers;
    private final ObjectProvider<DemoIdentities> demo;
    private final ObjectProvider<CitizenSubjects> embeddedCitizens;

    public ActingFor(Representations representations, PersonIdentifiers identifiers,
                     ObjectProvider<DemoIdentities> demo, ObjectProvider<CitizenSubjects> embeddedCitizens) {
        this.representations = representations;
        this.identifiers = identifiers;
        this.demo = demo;
        this.embeddedCitizens = embeddedCitizens;
    }

    /** Whom the actor chose, kept in the session: by the registry's reference and the subject's identifier. */
    private record Chosen(String reference, String subject) implements java.io.Serializable {
    }

    /**
     * Acting for another person, as checked in this request.
     *
     * @param subject whose data is managed
     * @param actor who manages it
     */
    public record Current(Account subject, Account actor, Representation representation, Acting acting,
                          OwnDecision minor) {
        /** How the pages name the subject. */
        public String subjectName() {
            return representation.subjectName() != null ? representation.subjectName() : representation.reference();
        }

        public String kind() {
            return representation.kind().wire();
        }
    }

    /**
     * The person the signed-in actor acts for in this request, checked with the registry now; empty when they
     * manage their own data.
     *
     * @throws ForbiddenException when the representation no longer lets them (the choice is dropped with it)
     */
    Optional<Current> current(Authentication signedIn, Account actorAccount) {
        HttpServletRequest request = request();
        if (request == null) {
            return Optional.empty();
        }
        if (request.getAttribute(CURRENT) instanceof Current done) {
            return Optional.of(done);
        }
        HttpSession session = request.getSession(false);
        if (session == null || !(session.getAttribute(CHOSEN) instanceof Chosen chosen)) {
            return Optional.empty();
        }
        PersonIdentifier actor = identifiers.of(signedIn).orElse(null);
        Representations.Checked checked;
        try {
            if (actor == null) {
                throw new ForbiddenException(Representations.REFUSED, "your sign-in did not say who you are, so "
                        + "you cannot act for another person");
            }
            checked = representations.check(actorAccount, actor, PersonIdentifier.parse(chosen.subject()));
        } catch (ForbiddenException ended) {
            session.removeAttribute(CHOSEN);
            throw ended;
        }
        Account subject = representations.accountOf(checked.representation().subject(),
                knownSubject(checked.representation().subject()));
        Current current = new Current(subject, actorAccount, checked.representation(), checked.acting(),
                checked.minor());
        request.setAttribute(CURRENT, current);
        return Optional.of(current);
    }

    /** The persons the signed-in person may act for now, by the registry. */
    List<Representation> choices(Authentication signedIn) {
        return identifiers.of(signedIn).map(representations::forActor).orElse(List.of());
    }

    /** Manage the data of the person the representation with this reference names; refused when none does now. */
    void choose(Authentication signedIn, String reference) {
        Representation chosen = choices(signedIn).stream().filter(r -> r.reference().equals(reference)).findFirst()
                .orElseThrow(() -> new ForbiddenException(Representations.REFUSED, "you may not act for this person "
                        + "now: no guardianship or mandate lets you"));
        HttpServletRequest request = request();
        request.changeSessionId();
        request.getSession().setAttribute(CHOSEN, new Chosen(chosen.reference(), chosen.subject().asToken()));
        request.removeAttribute(CURRENT);
    }

    /** Back to one's own data. */
    void chooseSelf() {
        HttpServletRequest request = request();
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.removeAttribute(CHOSEN);
        }
        request.removeAttribute(CURRENT);
    }

    /** The account bound to the signed-in person's identifier, where someone acted for them before. */
    Optional<Account> boundAccount(Authentication signedIn) {
        return identifiers.of(signedIn).flatMap(representations::boundAccount);
    }

    /** The sign-in subject of a demo person (so a guardian and the child, signing in later, share one account). */
    private String knownSubject(PersonIdentifier person) {
        DemoIdentities identities = demo.getIfAvailable();
        CitizenSubjects citizens = embeddedCitizens.getIfAvailable();
        if (identities == null || citizens == null) {
            return null;
        }
        return identities.citizens().stream()
                .filter(c -> !c.generated() && c.personIdentifier().equals(person.asToken()))
                .findFirst().map(c -> citizens.subjectOf(c.username())).orElse(null);
    }

    private static HttpServletRequest request() {
        return RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes
                ? attributes.getRequest() : null;
    }
}
