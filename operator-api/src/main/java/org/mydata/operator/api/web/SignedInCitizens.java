package org.mydata.operator.api.web;

import org.mydata.operator.account.Account;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.api.security.CitizenSubjects;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.stereotype.Component;

/**
 * The account of the citizen signed in to the web pages, under the same subject that their access tokens
 * carry, so a person has one account whether they use the pages or the API. Through an OpenID Connect
 * provider that is the provider's {@code sub}, as in the access tokens it issues for the API.
 */
@Component
public class SignedInCitizens {
    private final Accounts accounts;
    private final ObjectProvider<CitizenSubjects> embeddedCitizens;
    private final ObjectProvider<ActingFor> actingFor;

    public SignedInCitizens(Accounts accounts, ObjectProvider<CitizenSubjects> embeddedCitizens,
                            ObjectProvider<ActingFor> actingFor) {
        this.accounts = accounts;
        this.embeddedCitizens = embeddedCitizens;
        this.actingFor = actingFor;
    }

    /**
     * The account whose data the pages manage: the signed-in person's own, or that of the person they chose to act
     * for, whose representation is checked with the registry again in every request ({@link ActingFor}). Fails
     * closed: without a signed-in person there is no account, whatever the security set-up.
     */
    public Account account(Authentication signedIn) {
        Account own = ownAccount(signedIn);
        ActingFor acting = actingFor.getIfAvailable();
        return acting == null ? own : acting.current(signedIn, own).map(ActingFor.Current::subject).orElse(own);
    }

    /** The signed-in person's own account, whoever they act for. */
    public Account ownAccount(Authentication signedIn) {
        if (!isSignedIn(signedIn)) {
            throw new AccessDeniedException("sign in first");
        }
        ActingFor acting = actingFor.getIfAvailable();
        java.util.Optional<Account> bound = acting == null ? java.util.Optional.empty() : acting.boundAccount(signedIn);
        return bound.orElseGet(() -> accounts.forSubject(subject(signedIn)));
    }

    /**
     * Whom the signed-in person acts for in this request, checked now; empty when they manage their own data.
     * Writes pass its {@link ActingFor.Current#acting()} on, so the signed records name the actor.
     */
    public java.util.Optional<ActingFor.Current> actingFor(Authentication signedIn) {
        ActingFor acting = actingFor.getIfAvailable();
        return acting == null ? java.util.Optional.empty() : acting.current(signedIn, ownAccount(signedIn));
    }

    /** A form-login citizen of the embedded server is known by the pseudonym their access tokens carry. */
    private String subject(Authentication signedIn) {
        CitizenSubjects citizens = embeddedCitizens.getIfAvailable();
        if (citizens != null && !(signedIn.getPrincipal() instanceof OAuth2AuthenticatedPrincipal)
                && citizens.isCitizen(signedIn.getName())) {
            return citizens.subjectOf(signedIn.getName());
        }
        return signedIn.getName();
    }

    /**
     * The name the page header shows: the provider's name claim for a person signed in through OpenID Connect
     * (their subject is a pseudonym that means nothing to them; empty when the provider gave no name), else the
     * user name. Null when nobody is signed in.
     */
    public static String displayName(Authentication signedIn) {
        if (!isSignedIn(signedIn)) {
            return null;
        }
        return signedIn.getPrincipal() instanceof SignedInPerson person ? person.displayName() : signedIn.getName();
    }

    public static boolean isSignedIn(Authentication signedIn) {
        return signedIn != null && signedIn.isAuthenticated() && !(signedIn instanceof AnonymousAuthenticationToken);
    }
}
