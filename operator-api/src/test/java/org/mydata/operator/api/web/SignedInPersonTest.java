package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mydata.operator.account.PersonIdentifier;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.client.authentication.OAuth2AuthenticationToken;
import org.springframework.security.oauth2.core.oidc.OidcIdToken;

/** The name the pages show for a person signed in through a provider: theirs, or none, never the subject. */
class SignedInPersonTest {
    private static final String SUBJECT = "pairwise-7f3a9c";

    @Test
    void aPersonWithoutANameIsSignedInWithoutOneNeverAsTheirSubject() {
        assertThat(SignedInCitizens.displayName(signedIn(null))).isEmpty();
        assertThat(SignedInCitizens.displayName(signedIn("Maija Meikäläinen"))).isEqualTo("Maija Meikäläinen");
        assertThat(SignedInCitizens.displayName(null)).isNull();
    }

    private static OAuth2AuthenticationToken signedIn(String name) {
        OidcIdToken token = new OidcIdToken("t", Instant.EPOCH, Instant.EPOCH.plusSeconds(60), Map.of("sub", SUBJECT));
        SignedInPerson person = new SignedInPerson(List.of(new SimpleGrantedAuthority("OIDC_USER")), token, null,
                new PersonIdentifier("urn:oid:1.2.246.21", "010190-123A"), name);
        return new OAuth2AuthenticationToken(person, person.getAuthorities(), ProviderRegistration.ID);
    }
}
