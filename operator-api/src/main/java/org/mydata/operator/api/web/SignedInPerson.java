package org.mydata.operator.api.web;

import java.util.Collection;
import org.mydata.operator.account.PersonIdentifier;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.oidc.IdTokenClaimNames;
import org.springframework.security.oauth2.core.oidc.OidcIdToken;
import org.springframework.security.oauth2.core.oidc.OidcUserInfo;
import org.springframework.security.oauth2.core.oidc.user.DefaultOidcUser;

/**
 * A citizen signed in to the pages through an OpenID Connect provider: named by the provider's {@code sub}
 * (the subject its access tokens carry to the API too, so one account), with the verified person identifier
 * read once, at sign-in, from the configured claim.
 *
 * <p>Its {@link #toString()} names the subject only: the framework's own text would list every claim, the
 * person identifier among them, wherever a principal is logged.
 */
public final class SignedInPerson extends DefaultOidcUser {
    private static final long serialVersionUID = 1L;
    private final String identifierSystem;
    private final String identifierValue;
    private final String displayName;

    SignedInPerson(Collection<? extends GrantedAuthority> authorities, OidcIdToken idToken, OidcUserInfo userInfo,
                   PersonIdentifier person, String displayName) {
        super(authorities, idToken, userInfo, IdTokenClaimNames.SUB);
        this.identifierSystem = person.system();
        this.identifierValue = person.value();
        this.displayName = displayName;
    }

    public PersonIdentifier personIdentifier() {
        return new PersonIdentifier(identifierSystem, identifierValue);
    }

    /**
     * The name the provider gave, for "signed in as"; empty when it gave none. Never the subject: a pseudonym
     * that means nothing to the person (the pages then say just "signed in").
     */
    public String displayName() {
        return displayName != null ? displayName : "";
    }

    @Override
    public boolean equals(Object other) {
        return super.equals(other);
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }

    @Override
    public String toString() {
        return "SignedInPerson[sub=" + getName() + "]";
    }
}
