package org.mydata.operator.api.config;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Every setting of the operator, under {@code operator.*}; docs/operating.md lists them.
 *
 * @param dataDir where the embedded default keeps its database, keys and secrets
 * @param signing the record signing key ring
 * @param identity how tokens describe people
 * @param embedded which built-in parts start (authorization server, demo source and programme)
 * @param sources how the operator talks to FHIR sources
 * @param log the transparency log
 * @param database the operator's PostgreSQL, embedded or external
 */
@ConfigurationProperties("operator")
public record OperatorProperties(@DefaultValue("./data") Path dataDir, @DefaultValue Signing signing,
                                 @DefaultValue Identity identity, @DefaultValue Embedded embedded,
                                 @DefaultValue Sources sources, @DefaultValue Log log,
                                 @DefaultValue Database database) {

    /**
     * @param keystore PKCS#12 keystore with the signing keys; default {@code <data-dir>/keys/operator-signing.p12}
     * @param password the keystore password; default: a random one kept in {@code <data-dir>/keys/keystore.password}
     * @param alias the alias of the first key; rotated keys are {@code alias-2}, {@code alias-3}, ...
     * @param algorithm EdDSA (Ed25519) or ES256, for keys the operator makes
     */
    public record Signing(Path keystore, String password, @DefaultValue("operator") String alias,
                          @DefaultValue("EdDSA") String algorithm) {
    }

    /**
     * @param personIdentifierClaim the token claim with the person's verified identifier, {@code system|value}
     * @param clockSkew how much clock difference token time checks tolerate
     */
    public record Identity(@DefaultValue("person_identifier") String personIdentifierClaim,
                           @DefaultValue("60s") Duration clockSkew) {
    }

    /**
     * @param authorizationServer run the embedded OAuth2 authorization server with demo users and clients
     * @param demo register the demo FHIR source and the demo programme at start
     * @param tokenTimeToLive lifetime of access tokens the embedded authorization server issues
     */
    public record Embedded(@DefaultValue("true") boolean authorizationServer, @DefaultValue("true") boolean demo,
                           @DefaultValue("15m") Duration tokenTimeToLive) {
    }

    /**
     * @param origin the log's name in its C2SP checkpoints: set it to the operator's public host and path,
     *     e.g. {@code operator.example.org/log}, so witnesses can tell logs apart
     */
    public record Log(@DefaultValue("mydata-consent-operator.local/log") String origin) {
    }

    /**
     * @param allowUnsafeDurability start even on an external PostgreSQL that could acknowledge commits it then
     *     loses ({@code fsync}, {@code synchronous_commit} or {@code full_page_writes} off), warning at every start;
     *     for throw-away data only (docs/operating.md, Durability)
     * @param watchdogInterval how often the embedded default checks that its PostgreSQL runs, starting it again
     *     when it does not; 0 for no watchdog
     */
    public record Database(@DefaultValue("false") boolean allowUnsafeDurability,
                           @DefaultValue("1s") Duration watchdogInterval) {
    }

    /**
     * @param connectTimeout how long to wait for a source to accept a connection
     * @param readTimeout how long to wait for a source's answer
     */
    public record Sources(@DefaultValue("5s") Duration connectTimeout, @DefaultValue("10s") Duration readTimeout) {
    }
}
