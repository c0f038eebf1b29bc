package org.mydata.operator.api.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.mydata.operator.gateway.GatewaySettings;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Every setting of the operator, under {@code operator.*}; docs/operating.md lists them.
 *
 * @param dataDir where the embedded default keeps its database, keys and secrets
 * @param signing the record signing key ring
 * @param identity how tokens describe people
 * @param embedded which built-in parts start (authorization server, demo source and programme)
 * @param log the transparency log
 * @param gateway how far the gateway (and linking) trusts FHIR sources: timeouts, deadline, caps, bulkheads
 * @param database the operator's PostgreSQL, embedded or external
 * @param pool how the operator's connections to PostgreSQL notice that it is gone
 * @param idempotency the {@code Idempotency-Key} header of state-changing requests
 * @param sources which hosts sources may be on, and where the key sealing their secrets is kept
 * @param limits how large a request may be
 * @param publicBaseUrl the operator's origin as clients reach it, {@code https://operator.example.org}: every
 *     absolute URL it hands out (token issuer, redirects, FHIR and export URLs) is built on it, never on the
 *     request's Host header; {@code https} also turns on Secure cookies and HSTS. Default
 *     {@code http://localhost:<server port>}, for the embedded default only
 * @param login brute-force protection of the citizen sign-in form
 * @param rights who a person can turn to about their data, shown on the citizen pages' "your rights" page
 * @param pages the citizen pages: how people sign in to them, and how they show times
 * @param notifications the events sent to permit holders' webhooks (docs/notifications.md)
 */
@ConfigurationProperties("operator")
public record OperatorProperties(@DefaultValue("./data") Path dataDir, @DefaultValue Signing signing,
                                 @DefaultValue Identity identity, @DefaultValue Embedded embedded,
                                 @DefaultValue Log log, @DefaultValue Gateway gateway,
                                 @DefaultValue Database database, @DefaultValue Pool pool,
                                 @DefaultValue Idempotency idempotency, @DefaultValue Sources sources,
                                 @DefaultValue Limits limits, String publicBaseUrl, @DefaultValue Login login,
                                 @DefaultValue Rights rights, @DefaultValue Pages pages,
                                 @DefaultValue Notifications notifications) {

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
     * @param tokenEndpoint the token endpoint researchers' clients use, announced by the gateway's SMART
     *     discovery and CapabilityStatement; default: the embedded authorization server's, none without it
     * @param authorizationEndpoint the authorization endpoint announced beside an external {@code tokenEndpoint}
     *     (SMART's oauth-uris names both); default: the embedded authorization server's
     * @param allowAnyAudience with an outside identity provider and no
     *     {@code spring.security.oauth2.resourceserver.jwt.audiences}: accept tokens whatever their audience (also
     *     those the provider issued for other applications), with a warning at every start; without it such an
     *     operator does not start
     */
    public record Identity(@DefaultValue("person_identifier") String personIdentifierClaim,
                           @DefaultValue("60s") Duration clockSkew, URI tokenEndpoint, URI authorizationEndpoint,
                           boolean allowAnyAudience) {
    }

    /**
     * @param authorizationServer run the embedded OAuth2 authorization server with demo users and clients
     * @param demo register the demo FHIR source and the demo programme at start
     * @param tokenTimeToLive lifetime of access tokens the embedded authorization server issues
     * @param witness run the project's own transparency-log witness on a free loopback port, its key and state
     *     under {@code <data-dir>/witness}, and submit the log's checkpoints to it besides operator.log.witnesses
     */
    public record Embedded(@DefaultValue("true") boolean authorizationServer, @DefaultValue("true") boolean demo,
                           @DefaultValue("15m") Duration tokenTimeToLive, @DefaultValue("true") boolean witness) {
    }

    /**
     * @param origin the log's name in its C2SP checkpoints: set it to the operator's public host and path,
     *     e.g. {@code operator.example.org/log}, so witnesses can tell logs apart
     * @param maxBatch the most writes (signed records, access events) one group commit of the node's log
     *     appender carries; there is no linger, a batch takes what queued while the one before committed
     * @param witnesses the C2SP tlog-witnesses each new checkpoint is submitted to (docs/operating.md, Witnesses)
     * @param auditBundleWait how long a request for a consent's audit bundle waits for a checkpoint that covers
     *     the consent's newest records (the writer integrates within about a second); past it, the bundle says
     *     what is not covered yet rather than leave it out
     * @param checkpointInterval how often the elected writer integrates new entries and signs a checkpoint
     *     while the log grows: the longest an acknowledged record waits for a checkpoint under light load, and
     *     one checkpoint row per interval under steady traffic (docs/operating.md, sizing)
     * @param checkpointMaxEntries the most entries one checkpoint's transaction integrates and signs
     * @param accessEventChunkBytes the most bytes one log entry of an access event takes; an event whose entry would
     *     be larger (an export download of hundreds of persons or more) is logged as several entries, its chunks
     *     (docs/records.md, Access event). The default, 65535, is what a C2SP tile's entry bundle carries
     */
    public record Log(@DefaultValue("mydata-consent-operator.local/log") String origin,
                      @DefaultValue("256") int maxBatch, List<Witness> witnesses,
                      @DefaultValue("5s") Duration auditBundleWait,
                      @DefaultValue("500ms") Duration checkpointInterval,
                      @DefaultValue("10000") int checkpointMaxEntries,
                      @DefaultValue("65535") int accessEventChunkBytes) {
        public Log {
            witnesses = witnesses == null ? List.of() : List.copyOf(witnesses);
        }
    }

    /**
     * @param url the witness's submission prefix; checkpoints go to {@code <url>/add-checkpoint}
     * @param key the witness's verifier key, {@code <name>+<key ID>+<base64(0x04 || Ed25519 key)>}
     */
    public record Witness(String url, String key) {
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
     * The gateway's settings (bounds on reading FHIR sources, search pace, paging memory, exports); each one left unset takes {@link GatewaySettings#defaults()}, the one
     * place the defaults are written (docs/operating.md lists them). See {@link GatewaySettings} for each.
     */
    public record Gateway(Duration connectTimeout, Duration readTimeout, Duration deadline, DataSize maxResponseSize,
                          Integer maxPagesPerCall, Integer sourceConcurrency, Integer sourceQueue,
                          Integer upstreamPageSize, Integer patientsPerRequest, Integer exportPatientsPerRequest,
                          Integer exportReadAhead, Integer defaultPageSize, Integer maxPageSize,
                          Integer rememberedResources, Duration rememberedFor, Integer runningExports,
                          Integer maxExports, Duration exportRetention, Integer smallCohortK,
                          Duration exportHeartbeat, Duration exportSweep, Duration exportPollRetryAfter,
                          Duration exportBusyRetryAfter, Boolean compressResponses) {

        /** Whether the gateway gzips its answers for clients that accept it; off unless set (docs/operating.md). */
        public boolean compress() {
            return Boolean.TRUE.equals(compressResponses);
        }

        public GatewaySettings settings() {
            GatewaySettings d = GatewaySettings.defaults();
            return new GatewaySettings(or(connectTimeout, d.connectTimeout()), or(readTimeout, d.readTimeout()),
                    or(deadline, d.deadline()), maxResponseSize == null ? d.maxResponseBytes() : maxResponseSize.toBytes(),
                    or(maxPagesPerCall, d.maxPagesPerCall()), or(sourceConcurrency, d.sourceConcurrency()),
                    or(sourceQueue, d.sourceQueue()), or(upstreamPageSize, d.upstreamPageSize()),
                    or(patientsPerRequest, d.patientsPerRequest()),
                    or(exportPatientsPerRequest, d.exportPatientsPerRequest()), or(exportReadAhead, d.exportReadAhead()),
                    or(defaultPageSize, d.defaultPageSize()), or(maxPageSize, d.maxPageSize()),
                    or(rememberedResources, d.rememberedResources()), or(rememberedFor, d.rememberedFor()),
                    or(runningExports, d.runningExports()), or(maxExports, d.maxExports()),
                    or(exportRetention, d.exportRetention()), or(exportHeartbeat, d.exportHeartbeat()),
                    or(exportSweep, d.exportSweep()), or(exportPollRetryAfter, d.exportPollRetryAfter()),
                    or(exportBusyRetryAfter, d.exportBusyRetryAfter()));
        }

        private static <T> T or(T value, T otherwise) {
            return value == null ? otherwise : value;
        }
    }

    /**
     * @param connectionTimeout how long a request waits for a connection before it is answered 503: while
     *     PostgreSQL is away every request waits this long, so it is short
     * @param socketTimeout how long a statement may wait for the server's answer before the connection is
     *     taken for dead (a server that vanished without closing its connections); longer than any query
     * @param validationTimeout how long checking an idle connection may take
     */
    public record Pool(@DefaultValue("3s") Duration connectionTimeout, @DefaultValue("60s") Duration socketTimeout,
                       @DefaultValue("1s") Duration validationTimeout) {
    }

    /**
     * @param timeToLive how long a key and its stored response are kept: a retry after that is a new request
     */
    public record Idempotency(@DefaultValue("24h") Duration timeToLive) {
    }

    /**
     * @param allowedHosts host names, addresses or ranges ({@code 10.1.0.0/16}) that sources and their token
     *     endpoints may be on although they are loopback, link-local or otherwise refused by default
     *     ({@link org.mydata.operator.source.SourceHosts}); the embedded demo adds {@code localhost} itself
     * @param secretsKey the Tink keyset that seals sources' passwords and client secrets; default
     *     {@code <data-dir>/keys/source-secrets.json}, made on first start
     */
    public record Sources(@DefaultValue List<String> allowedHosts, Path secretsKey) {
    }

    /**
     * @param maxRequestSize the largest request body accepted by the REST API, the citizen pages and the FHIR
     *     gateway; a larger one is answered 413 without being read
     * @param maxParameterCount the most request parameters (query and form) Tomcat parses for one request
     */
    public record Limits(@DefaultValue("1MB") DataSize maxRequestSize,
                         @DefaultValue("1000") int maxParameterCount) {
    }

    /**
     * Failed sign-ins are counted per account and per client address over {@code window}; past a limit, every
     * further attempt is refused with the same generic error, the right password included, until the failures
     * age out of the window. Counted in memory on each node (docs/operating.md, Security).
     *
     * @param maxFailuresPerAccount failures for one user name before it is refused
     * @param maxFailuresPerAddress failures from one client address, whichever user names, before it is refused
     * @param window how long a failure counts
     */
    public record Login(@DefaultValue("5") int maxFailuresPerAccount, @DefaultValue("20") int maxFailuresPerAddress,
                        @DefaultValue("15m") Duration window) {
    }

    /**
     * The contacts the "your rights" page gives (GDPR Art. 13(1)(a)-(b), Art. 77). The defaults are the demo's and
     * say so in their names; a real operator sets every one of the controller's and the officer's.
     *
     * @param controller the operator's organisation, the controller of the personal data it holds
     * @param dataProtectionOfficer the controller's data protection officer
     * @param supervisoryAuthority where a person may complain; Finland's Data Protection Ombudsman by default
     */
    public record Rights(@DefaultValue Controller controller, @DefaultValue ProtectionOfficer dataProtectionOfficer,
                         @DefaultValue SupervisoryAuthority supervisoryAuthority) {
    }

    /** A contact as the page shows it; a part left empty is not shown. */
    public interface Contact {
        String name();

        String postalAddress();

        String email();

        String phone();

        String website();
    }

    public record Controller(@DefaultValue("Demo Consent Operator Ltd (demo, not a real organisation)") String name,
                             @DefaultValue("Demokatu 1 (demo), 90100 Oulu, Finland") String postalAddress,
                             @DefaultValue("privacy@operator.example") String email,
                             @DefaultValue("+358 00 000 0000 (demo)") String phone, String website)
            implements Contact {
    }

    public record ProtectionOfficer(@DefaultValue("Data protection officer (demo)") String name,
                                    String postalAddress, @DefaultValue("dpo@operator.example") String email,
                                    String phone, String website) implements Contact {
    }

    /**
     * @param name shown as set; left empty, the pages name Finland's Data Protection Ombudsman in the reader's
     *     language (set it with {@code website} for another country's authority)
     */
    public record SupervisoryAuthority(String name, String postalAddress, String email, String phone,
                                       @DefaultValue("https://tietosuoja.fi") String website) implements Contact {
    }

    /**
     * @param signIn an OpenID Connect provider through which citizens sign in to the pages
     * @param timeZone the zone the citizen pages show times in, and in which an end date a person picks ends
     *     (at the end of that day); the pages run no script that could learn the reader's own zone
     */
    public record Pages(@DefaultValue SignIn signIn, @DefaultValue("Europe/Helsinki") java.time.ZoneId timeZone) {
    }

    /**
     * Sign-in to the citizen pages through any OpenID Connect provider (authorization code with PKCE, also for
     * confidential clients). Set {@code issuerUri} to turn it on; the provider's endpoints come from its discovery
     * document, read at the first sign-in (docs/operating.md, Connecting an OpenID Connect provider).
     *
     * @param issuerUri the provider's issuer; {@code <issuer>/.well-known/openid-configuration} describes it
     * @param clientId this operator's client id at the provider
     * @param clientSecret its secret; none for a public client
     * @param clientAuthentication how the operator authenticates at the token endpoint: {@code client_secret_basic}
     *     (default with a secret), {@code client_secret_post}, or {@code none} (default without a secret)
     * @param scopes the scopes asked for; {@code openid} is always among them
     * @param personIdentifierClaim the ID token (or user info) claim with the person's verified identifier;
     *     default {@code operator.identity.person-identifier-claim}
     * @param personIdentifierSystem when set, the claim holds the bare value and this is its system (for
     *     example {@code urn:oid:1.2.246.21} for a Finnish personal identity code); when unset the claim is
     *     {@code system|value}
     * @param nameClaim the claim with the name shown as "signed in as"
     * @param acrValues the authentication context classes asked for ({@code acr_values}); when set, a sign-in
     *     whose ID token names none of them in {@code acr} is refused
     * @param providerName the provider's name on the sign-in page, e.g. {@code Suomi.fi}
     */
    public record SignIn(URI issuerUri, String clientId, String clientSecret, String clientAuthentication,
                         @DefaultValue({"openid", "profile"}) List<String> scopes, String personIdentifierClaim,
                         String personIdentifierSystem, @DefaultValue("name") String nameClaim,
                         @DefaultValue List<String> acrValues, String providerName) {

        public boolean configured() {
            return issuerUri != null && !issuerUri.toString().isBlank();
        }
    }

    /**
     * Webhooks of permit holders and the delivery of events to them (docs/notifications.md, Retries).
     *
     * @param allowedHosts hosts, addresses or ranges webhooks may point at although refused by default: loopback,
     *     link-local, metadata and private networks (a holder's URL is called from inside the operator's network)
     * @param allowPlainHttp accept {@code http://} webhook URLs; off in production, events name persons by pseudonym
     * @param connectTimeout how long connecting to a webhook may take
     * @param requestTimeout how long one attempt may take in all, connecting, sending and the answer
     * @param initialBackoff the wait after a delivery's first failure; it doubles with each further failure
     * @param maxBackoff the longest wait between two attempts
     * @param giveUpAfter how long after the event a failing delivery is retried before it is marked dead
     * @param workers attempts in flight on one node at once; a dead endpoint holds at most one of them
     * @param pollInterval how often each node looks for due deliveries and expired permits
     */
    public record Notifications(@DefaultValue List<String> allowedHosts,
                                @DefaultValue("false") boolean allowPlainHttp,
                                @DefaultValue("5s") Duration connectTimeout,
                                @DefaultValue("10s") Duration requestTimeout,
                                @DefaultValue("10s") Duration initialBackoff,
                                @DefaultValue("1h") Duration maxBackoff,
                                @DefaultValue("3d") Duration giveUpAfter,
                                @DefaultValue("8") int workers,
                                @DefaultValue("1s") Duration pollInterval) {
    }
}
