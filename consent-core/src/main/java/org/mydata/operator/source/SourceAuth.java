package org.mydata.operator.source;

import java.net.URI;
import java.util.Objects;

/** How the operator authenticates to a FHIR source. Secrets stay inside the operator and are never returned. */
public sealed interface SourceAuth {

    /** A short name for the kind, as the API shows it. */
    String type();

    /** An open source, e.g. a hospital server reachable only on a private network. */
    record None() implements SourceAuth {
        public String type() {
            return "none";
        }
    }

    record Basic(String username, String password) implements SourceAuth {
        public Basic {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
        }

        public String type() {
            return "basic";
        }

        @Override
        public String toString() {
            return "Basic[username=" + username + ", password=***]";
        }
    }

    /** OAuth2 client credentials against the source's token endpoint (SMART Backend Services style). */
    record ClientCredentials(URI tokenUrl, String clientId, String clientSecret, String scope) implements SourceAuth {
        public ClientCredentials {
            Objects.requireNonNull(tokenUrl, "tokenUrl");
            Objects.requireNonNull(clientId, "clientId");
            Objects.requireNonNull(clientSecret, "clientSecret");
        }

        public String type() {
            return "client_credentials";
        }

        @Override
        public String toString() {
            return "ClientCredentials[tokenUrl=" + tokenUrl + ", clientId=" + clientId + ", clientSecret=***, scope=" + scope + "]";
        }
    }
}
