package org.mydata.operator.api.web;

import org.mydata.operator.account.Account;
import org.mydata.operator.account.Accounts;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;

/**
 * The account of the citizen signed in to the web pages. The session principal's name is the same subject
 * that access tokens carry, so a person has one account whether they use the pages or the API.
 */
@Component
public class SignedInCitizens {
    private final Accounts accounts;

    public SignedInCitizens(Accounts accounts) {
        this.accounts = accounts;
    }

    /** Fails closed: without a signed-in person there is no account, whatever the security set-up. */
    public Account account(Authentication signedIn) {
        if (!isSignedIn(signedIn)) {
            throw new AccessDeniedException("sign in first");
        }
        return accounts.forSubject(signedIn.getName());
    }

    public static boolean isSignedIn(Authentication signedIn) {
        return signedIn != null && signedIn.isAuthenticated() && !(signedIn instanceof AnonymousAuthenticationToken);
    }
}
