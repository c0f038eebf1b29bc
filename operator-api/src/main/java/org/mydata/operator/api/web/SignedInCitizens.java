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

    public SignedInCitizens(Accounts accounts, ObjectProvider<CitizenSubjects> embeddedCitizens) {
        this.accounts = accounts;
        this.embeddedCitizens = embeddedCitizens;
    }

    /** Fails closed: without a signed-in person there is no account, whatever the security set-up. */
    public Account account(Authentication signedIn) {
        if (!isSignedIn(signedIn)) {
            throw new AccessDeniedException("sign in first");
        }
        return accounts.forSubject(subject(signedIn));
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
