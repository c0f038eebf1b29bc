package org.mydata.operator.api.web;

import java.util.Optional;
import org.mydata.operator.account.PersonIdentifier;
import org.springframework.security.core.Authentication;

/**
 * The verified person identifier of a citizen signed in to the web pages, used only to find them at a
 * source when they link it. Where it comes from depends on how people sign in: the embedded default's
 * demo identities, or (with an OpenID Connect provider) a claim of the ID token or user info.
 */
public interface PersonIdentifiers {

    /** The person's identifier, or empty when their sign-in did not assert one. */
    Optional<PersonIdentifier> of(Authentication signedIn);
}
