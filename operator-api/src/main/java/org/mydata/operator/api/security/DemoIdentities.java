package org.mydata.operator.api.security;

import com.nimbusds.jose.jwk.JWKSet;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The embedded authorization server's demo people and clients. They exist so a newcomer can try the
 * operator in minutes; a real deployment turns the embedded server off and uses its own identity provider.
 */
public record DemoIdentities(List<Citizen> citizens, List<Client> clients, List<KeyClient> keyClients) {

    /**
     * A demo person who signs in with a password; {@code personIdentifier} matches a patient at the demo source.
     *
     * @param generated one of the benchmark's generated citizens ({@code operator.embedded.generated-citizens}):
     *     a random password kept in the data directory, never printed, and no demo person of its own (its
     *     identifier is a demo dataset person's, shared with other generated citizens)
     */
    public record Citizen(String username, String password, String personIdentifier, boolean generated) {
        public Citizen(String username, String password, String personIdentifier) {
            this(username, password, personIdentifier, false);
        }
    }

    /** A demo service client using client credentials; its token's subject is its id. */
    public record Client(String clientId, String secret, String scope) {
    }

    /**
     * A demo service client that authenticates with a JWT it signs itself ({@code private_key_jwt}, RFC 7523), as
     * SMART Backend Services do: the authorization server knows its public keys, and the client's private key is
     * in {@code keyFile} (a JWK, made at first start) for whoever tries the demo.
     */
    public record KeyClient(String clientId, JWKSet publicKeys, Path keyFile, List<String> scopes) {
    }

    /** The public client a citizen's app uses with authorization code + PKCE. */
    public static final String CITIZEN_APP = "citizen-app";
    /** Where the authorization server sends the code; a native app's loopback listener (RFC 8252). */
    public static final String CITIZEN_APP_REDIRECT = "http://127.0.0.1:8765/callback";

    public Optional<Citizen> citizen(String username) {
        return citizens.stream().filter(c -> c.username().equals(username)).findFirst();
    }
}
