package org.mydata.operator.api.web;

import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.failure.InvalidRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.oauth2.client.oidc.userinfo.OidcUserRequest;
import org.springframework.security.oauth2.client.oidc.userinfo.OidcUserService;
import org.springframework.security.oauth2.client.userinfo.OAuth2UserService;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;

/**
 * Turns a provider's signed-in user into a {@link SignedInPerson}: the person identifier must be in the configured
 * claim (of the ID token or the user info), else the sign-in is refused, as it is when the provider's {@code sub}
 * is the person identifier itself: the subject names the account in the operator's tables and logs, which never
 * hold person identifiers.
 */
final class OidcCitizens implements OAuth2UserService<OidcUserRequest, OidcUser> {
    private static final Logger log = LoggerFactory.getLogger(OidcCitizens.class);
    static final String NO_IDENTIFIER = "person_identifier_missing";
    static final String SUBJECT_IS_IDENTIFIER = "subject_is_person_identifier";

    private final OidcUserService provider = new OidcUserService();
    private final String claim;
    private final String system;
    private final String nameClaim;

    OidcCitizens(OperatorProperties properties) {
        OperatorProperties.SignIn signIn = properties.pages().signIn();
        this.claim = signIn.personIdentifierClaim() != null && !signIn.personIdentifierClaim().isBlank()
                ? signIn.personIdentifierClaim() : properties.identity().personIdentifierClaim();
        this.system = signIn.personIdentifierSystem() == null || signIn.personIdentifierSystem().isBlank()
                ? null : signIn.personIdentifierSystem();
        this.nameClaim = signIn.nameClaim();
    }

    @Override
    public OidcUser loadUser(OidcUserRequest request) {
        OidcUser user = provider.loadUser(request);
        PersonIdentifier person = personIdentifier(user.getAttribute(claim));
        if (person == null) {
            // The claim's name is configuration, not personal data; its value is never logged.
            log.warn("an OpenID Connect sign-in was refused: no person identifier in claim '{}'", claim);
            throw new OAuth2AuthenticationException(new OAuth2Error(NO_IDENTIFIER));
        }
        if (user.getSubject().equals(person.value()) || user.getSubject().equals(person.asToken())) {
            log.warn("an OpenID Connect sign-in was refused: the provider's subject (sub) is the person identifier; "
                    + "configure it to issue pseudonymous (pairwise) subjects");
            throw new OAuth2AuthenticationException(new OAuth2Error(SUBJECT_IS_IDENTIFIER));
        }
        return new SignedInPerson(user.getAuthorities(), user.getIdToken(), user.getUserInfo(), person,
                displayName(user));
    }

    private PersonIdentifier personIdentifier(Object value) {
        if (value == null || value.toString().isBlank()) {
            return null;
        }
        try {
            return system != null ? new PersonIdentifier(system, value.toString().strip())
                    : PersonIdentifier.parse(value.toString().strip());
        } catch (InvalidRequestException notSystemBarValue) {
            return null;
        }
    }

    private String displayName(OidcUser user) {
        Object name = user.getAttribute(nameClaim);
        if (name != null && !name.toString().isBlank()) {
            return name.toString();
        }
        if (user.getGivenName() != null && user.getFamilyName() != null) {
            return user.getGivenName() + " " + user.getFamilyName();
        }
        return user.getPreferredUsername();
    }
}
