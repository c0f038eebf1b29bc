package org.mydata.operator.api.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import org.mydata.operator.account.PersonIdentifier;

/**
 * The embedded authorization server's citizens as the operator knows them: by a pairwise pseudonym, never by
 * user name or person identifier. A token's {@code sub} is the pseudonym, the same for the login pages and the
 * API, so a person has one account; their person identifier stays here and is looked up by the operator when
 * it links a source, so it is in no token, no introspection answer and no log.
 */
public final class CitizenSubjects {
    private static final String PREFIX = "p-";
    private final SecretKey key;
    private final DemoIdentities identities;
    private final Map<String, DemoIdentities.Citizen> bySubject;

    CitizenSubjects(SecretKey key, DemoIdentities identities) {
        this.key = key;
        this.identities = identities;
        this.bySubject = identities.citizens().stream()
                .collect(Collectors.toUnmodifiableMap(c -> subjectOf(c.username()), Function.identity()));
    }

    /** The pseudonym of a citizen who signs in with this user name; stable while the key is kept. */
    public String subjectOf(String username) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            // The audience of these subjects is the operator itself: one sector, so one pseudonym per person.
            byte[] digest = mac.doFinal(("operator|" + username).getBytes(StandardCharsets.UTF_8));
            return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /** Whether the user name is one of the embedded server's citizens (services keep their client id as subject). */
    public boolean isCitizen(String username) {
        return identities.citizen(username).isPresent();
    }

    /** The verified person identifier of the citizen behind a pseudonymous subject. */
    public Optional<PersonIdentifier> personIdentifier(String subject) {
        return Optional.ofNullable(subject).map(bySubject::get)
                .map(citizen -> PersonIdentifier.parse(citizen.personIdentifier()));
    }
}
