package org.mydata.operator.api.web;

import java.util.Optional;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.api.security.DemoIdentities;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.stereotype.Component;

/**
 * Finds the person identifier of a signed-in citizen. A person signed in through the OpenID Connect provider
 * ({@link SignedInPerson}) has it from the claim named by {@code operator.pages.sign-in.person-identifier-claim},
 * read at sign-in. Another principal that carries claims gives it in the claim named by
 * {@code operator.identity.person-identifier-claim}, as an external IdP's access tokens do; a form-login user
 * of the embedded default gets their demo identity's identifier, looked up here as the API looks it up for
 * their (identifier-free) access tokens.
 */
@Component
public class SessionPersonIdentifiers implements PersonIdentifiers {
    private final ObjectProvider<DemoIdentities> demo;
    private final String claim;

    public SessionPersonIdentifiers(ObjectProvider<DemoIdentities> demo, OperatorProperties properties) {
        this.demo = demo;
        this.claim = properties.identity().personIdentifierClaim();
    }

    @Override
    public Optional<PersonIdentifier> of(Authentication signedIn) {
        if (signedIn == null) {
            return Optional.empty();
        }
        if (signedIn.getPrincipal() instanceof SignedInPerson person) {
            return Optional.of(person.personIdentifier());
        }
        if (signedIn.getPrincipal() instanceof OAuth2AuthenticatedPrincipal withClaims) {
            Object value = withClaims.getAttribute(claim);
            return value == null ? Optional.empty() : Optional.of(PersonIdentifier.parse(value.toString()));
        }
        DemoIdentities identities = demo.getIfAvailable();
        if (identities == null) {
            return Optional.empty();
        }
        return identities.citizen(signedIn.getName()).map(c -> PersonIdentifier.parse(c.personIdentifier()));
    }
}
