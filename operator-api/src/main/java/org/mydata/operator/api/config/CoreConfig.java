package org.mydata.operator.api.config;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.mydata.operator.files.PrivateFiles;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.audit.AuditBundles;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.notify.Outbox;
import org.mydata.operator.consent.ErasureRequests;
import org.mydata.operator.optout.OptOuts;
import org.mydata.operator.gateway.source.HapiPatientLookup;
import org.mydata.operator.gateway.source.SourceClients;
import org.mydata.operator.link.PatientLookup;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.log.CheckpointSigner;
import org.mydata.operator.log.Ed25519NoteSigner;
import org.mydata.operator.log.KeyRotations;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.log.LogWitnesses;
import org.mydata.operator.log.LogWriter;
import org.mydata.operator.verify.log.WitnessKey;
import org.mydata.operator.verify.log.NoteSigner;
import org.mydata.operator.verify.log.NoteVerifier;
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.request.DataRequests;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.signing.KeysInUse;
import org.mydata.operator.signing.KeystoreKeyRing;
import org.mydata.operator.signing.PublicKeys;
import org.mydata.operator.signing.MissingSigningKeysException;
import org.mydata.operator.signing.PayloadSigner;
import org.mydata.operator.signing.SigningAlgorithm;
import org.mydata.operator.source.SourceHosts;
import org.mydata.operator.source.SourceRegistry;
import org.mydata.operator.source.SourceSecrets;
import org.mydata.operator.store.Transactions;
import org.mydata.operator.witness.Witness;
import org.mydata.operator.witness.WitnessServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.DependsOn;
import org.springframework.context.annotation.Configuration;

/** The domain's objects from consent-core, wired once: one clock, one key ring, one FHIR context. */
@Configuration(proxyBeanMethods = false)
public class CoreConfig {
    private static final Logger log = LoggerFactory.getLogger(CoreConfig.class);

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    FhirContext fhirContext() {
        FhirContext context = FhirContext.forR4();
        // HAPI's encoder otherwise walks every resource it writes looking for references to id-less resource
        // objects to contain; the operator never makes such references, and the walk was 8% of the CPU of a
        // gateway search (docs/benchmarks.md).
        context.getParserOptions().setAutoContainReferenceTargetsWithNoId(false);
        return context;
    }

    /**
     * The key ring, checked against the database: every key that signed a stored record or checkpoint must be
     * in it, and a new key is made only for a database without signed records (docs/operating.md, Keys).
     */
    @Bean
    KeystoreKeyRing keyRing(OperatorProperties properties, Clock clock, DataSource dataSource) throws IOException {
        OperatorProperties.Signing signing = properties.signing();
        Path keysDir = properties.dataDir().resolve("keys");
        // The data dir holds the database, keys, secrets and exported health data: the operator's user's only.
        PrivateFiles.directory(properties.dataDir());
        SigningAlgorithm algorithm = SigningAlgorithm.fromName(signing.algorithm());
        Set<String> inUse = KeysInUse.read(dataSource);
        KeystoreKeyRing ring;
        if (signing.keystore() != null) {
            if (signing.password() == null) {
                throw new IllegalStateException("operator.signing.password is required with operator.signing.keystore");
            }
            ring = KeystoreKeyRing.open(signing.keystore(), signing.password().toCharArray(), signing.alias(), algorithm,
                    clock);
            ring.requireKeys(inUse);
        } else {
            Path keystore = keysDir.resolve("operator-signing.p12");
            boolean existed = Files.exists(keystore);
            char[] password = signing.password() != null ? signing.password().toCharArray()
                    : generatedPassword(keysDir.resolve("keystore.password"), inUse);
            ring = KeystoreKeyRing.openOrCreate(keystore, password, signing.alias(), algorithm, clock, inUse);
            if (!existed) {
                log.info("No signed records in the database and no keystore: made a new signing key {} in {}; back it "
                        + "up with the database (docs/operating.md)", ring.activeKeyId(), keystore);
            }
        }
        log.info("Signing key ring: {} key(s), active {}; the database's records were signed by {}", ring.keyIds().size(),
                ring.activeKeyId(), inUse.isEmpty() ? "none yet" : String.join(", ", inUse));
        return ring;
    }

    /** The key ring's public keys alone, for the beans that only publish or check them and never sign. */
    @Bean
    PublicKeys publicKeys(KeystoreKeyRing keyRing) {
        return keyRing.publicKeySet();
    }

    @Bean
    Accounts accounts(Transactions tx, Clock clock) {
        return new Accounts(tx, clock);
    }

    /** The hosts sources may be on: the defaults, the operator's allowlist, and the embedded demo's own host. */
    @Bean
    SourceHosts sourceHosts(OperatorProperties properties) {
        SourceHosts hosts = SourceHosts.allowing(properties.sources().allowedHosts());
        return properties.embedded().demo() ? hosts.and("localhost") : hosts;
    }

    /**
     * Sources' secrets are sealed with a key beside the signing keys; it is made only while the database holds
     * no sealed secret, and secrets stored in clear by an earlier version are sealed at start.
     */
    @Bean
    // The key ring is checked first: a start refused for missing signing keys must not leave new key material
    // (the secrets key) behind in the keys directory the operator asks to be restored.
    @DependsOn("keyRing")
    SourceRegistry sourceRegistry(Transactions tx, Clock clock, SourceHosts hosts, OperatorProperties properties) {
        Path key = properties.sources().secretsKey() != null ? properties.sources().secretsKey()
                : properties.dataDir().resolve("keys").resolve(SourceSecrets.FILE_NAME);
        SourceRegistry registry = new SourceRegistry(tx, clock, hosts,
                SourceSecrets.open(key, !SourceRegistry.holdsSealedSecrets(tx)));
        int sealed = registry.sealStoredSecrets();
        if (sealed > 0) {
            log.info("Sealed the secrets of {} source(s) with the key in {}", sealed, key);
        }
        return registry;
    }

    @Bean
    ProgrammeRegistry programmeRegistry(Transactions tx, Clock clock) {
        return new ProgrammeRegistry(tx, clock);
    }

    /** amend: programme amendments, signed through the node's appender (docs/amendments.md). */
    @Bean
    org.mydata.operator.programme.ProgrammeAmendments programmeAmendments(Transactions tx, LogAppender appender,
                                                                          Clock clock) {
        return new org.mydata.operator.programme.ProgrammeAmendments(tx, appender, clock);
    }

    /** amend: re-consent to a programme's current version. */
    @Bean
    org.mydata.operator.consent.Reconsents reconsents(Transactions tx, LogAppender appender, Clock clock) {
        return new org.mydata.operator.consent.Reconsents(tx, appender, clock);
    }

    /** One way to reach sources, for linking and for the gateway alike. */
    @Bean
    SourceClients sourceClients(FhirContext fhirContext, OperatorProperties properties, Clock clock,
                                SourceHosts hosts) {
        return new SourceClients(fhirContext, properties.gateway().settings(), clock, hosts::resolve);
    }

    @Bean
    PatientLookup patientLookup(SourceClients sourceClients) {
        return new HapiPatientLookup(sourceClients);
    }

    /**
     * The node's one appender: every signed record and log entry is made through it, in group commits of at
     * most {@code operator.log.max-batch} writes (docs/transparency-log.md, Group commit).
     */
    @Bean
    LogAppender logAppender(DataSource dataSource, KeystoreKeyRing keyRing, OperatorProperties properties) {
        return new LogAppender(dataSource, keyRing, properties.log().maxBatch());
    }

    @Bean
    ServiceLinks serviceLinks(Transactions tx, SourceRegistry sources, PatientLookup lookup, LogAppender appender,
                              Clock clock) {
        return new ServiceLinks(tx, sources, lookup, appender, clock);
    }

    @Bean
    Consents consents(Transactions tx, LogAppender appender, Clock clock) {
        Consents consents = new Consents(tx, appender, clock);
        // Before any request: duplicates a database from before the one-consent rule holds are ended, signed.
        consents.endDuplicates();
        return consents;
    }

    /**
     * Erasure requests after a withdrawal: each writes its notifications to the permit holders in the request's
     * own transaction ({@link Outbox#erasureRequested}), so a request is stored if and only if its notices are.
     */
    @Bean
    ErasureRequests erasureRequests(Transactions tx, LogAppender appender, Clock clock) {
        return new ErasureRequests(tx, appender, clock, (c, request) -> Outbox.erasureRequested(c,
                request.accountId(), request.consentId(), request.permitIds(), request.logIndex(),
                request.createdAt()));
    }

    @Bean
    OptOuts optOuts(Transactions tx, LogAppender appender, Clock clock) {
        return new OptOuts(tx, appender, clock);
    }

    @Bean
    DataRequests dataRequests(Transactions tx, LogAppender appender, Clock clock) {
        return new DataRequests(tx, appender, clock);
    }

    @Bean
    Permits permits(Transactions tx) {
        return new Permits(tx);
    }

    @Bean
    Cohorts cohorts(Transactions tx) {
        return new Cohorts(tx);
    }

    /** Access events in log entries of at most {@code operator.log.access-event-chunk-bytes} each. */
    @Bean
    AccessLog accessLog(Transactions tx, LogAppender appender, OperatorProperties properties) {
        return new AccessLog(tx, appender, properties.log().accessEventChunkBytes());
    }

    @Bean
    TransparencyLog transparencyLog(Transactions tx) {
        return new TransparencyLog(tx);
    }

    @Bean
    KeyRotations keyRotations(KeystoreKeyRing keyRing, LogAppender appender, Clock clock) {
        return new KeyRotations(keyRing, appender, clock);
    }

    /**
     * The log's writer: on every node, but only the one holding the PostgreSQL advisory lock integrates
     * entries and signs checkpoints; the others stand by and take over if it goes away. Notes are signed by
     * the key ring's active Ed25519 key through a signer it hands out; the key itself stays in the ring.
     */
    @Bean(initMethod = "start", destroyMethod = "close")
    LogWriter logWriter(DataSource dataSource, KeystoreKeyRing keyRing, Clock clock, OperatorProperties properties) {
        String origin = properties.log().origin();
        NoteSigner notes = keyRing.ed25519Signer().map(signer -> Ed25519NoteSigner.over(origin, signer)).orElse(null);
        return new LogWriter(dataSource, new CheckpointSigner(keyRing, clock, origin, notes),
                new LogWriter.Settings(properties.log().checkpointMaxEntries(), properties.log().checkpointInterval()));
    }

    /**
     * The embedded default's own witness (operator.embedded.witness), trusting the log's current note key. Without
     * an Ed25519 key there are no notes to cosign, so no witness.
     */
    @Bean(destroyMethod = "close")
    EmbeddedWitness embeddedWitness(OperatorProperties properties, KeystoreKeyRing keyRing, Clock clock)
            throws IOException {
        Optional<PayloadSigner> notes = keyRing.ed25519Signer();
        if (!properties.embedded().witness() || notes.isEmpty()) {
            return new EmbeddedWitness(Optional.empty());
        }
        String logKey = NoteVerifier.ed25519(properties.log().origin(), notes.get().publicKey()).verifierKey();
        Witness witness = Witness.open(properties.dataDir().resolve("witness"), EmbeddedWitness.NAME, List.of(logKey),
                clock);
        return new EmbeddedWitness(Optional.of(WitnessServer.start(witness, 0)));
    }

    /**
     * The log's witnesses (operator.log.witnesses): each new checkpoint goes to each of them from a thread of its
     * own, so a witness that is down delays nothing else. A key that does not parse stops the start, naming it.
     */
    @Bean(initMethod = "start", destroyMethod = "close")
    LogWitnesses logWitnesses(Transactions tx, TransparencyLog log, OperatorProperties properties, Clock clock,
                              EmbeddedWitness embeddedWitness) {
        List<LogWitnesses.Witness> witnesses = new ArrayList<>();
        embeddedWitness.server().ifPresent(w -> witnesses.add(new LogWitnesses.Witness(w.url(), w.witness().key())));
        for (int i = 0; i < properties.log().witnesses().size(); i++) {
            OperatorProperties.Witness w = properties.log().witnesses().get(i);
            if (w.url() == null || w.key() == null) {
                throw new IllegalStateException("operator.log.witnesses[" + i + "] needs both url and key");
            }
            try {
                witnesses.add(new LogWitnesses.Witness(w.url(), WitnessKey.fromVerifierKey(w.key())));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("operator.log.witnesses[" + i + "].key: " + e.getMessage(), e);
            }
        }
        return new LogWitnesses(tx, log, witnesses, LogWitnesses.Settings.defaults(), clock);
    }

    /** Consent audit bundles, waiting at most {@code operator.log.audit-bundle-wait} for a covering checkpoint. */
    @Bean
    AuditBundles auditBundles(Transactions tx, TransparencyLog log, LogWriter logWriter, OperatorProperties properties) {
        return new AuditBundles(tx, log, logWriter::wakeUp, properties.log().auditBundleWait());
    }

    /** The embedded default's keystore password: random, made once, readable by the operator's user only. */
    private static char[] generatedPassword(Path file, Set<String> kidsInUse) throws IOException {
        if (!Files.exists(file) && kidsInUse.isEmpty()) {
            PrivateFiles.directory(file.getParent());
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            PrivateFiles.write(file, Base64.getUrlEncoder().withoutPadding().encodeToString(random)
                    .getBytes(StandardCharsets.US_ASCII));
        }
        if (!Files.exists(file)) {
            throw new MissingSigningKeysException("the keystore password " + file + " does not exist, but the database "
                    + "holds records signed by key(s) " + String.join(", ", kidsInUse) + "; restore the keys directory "
                    + "from the backup taken with the database", kidsInUse);
        }
        return Files.readString(file, StandardCharsets.US_ASCII).strip().toCharArray();
    }
}
