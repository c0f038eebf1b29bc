package org.mydata.operator.signing;

import org.mydata.operator.verify.signing.RecordType;

import com.google.crypto.tink.subtle.Ed25519Sign;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.mydata.operator.files.PrivateFiles;

/**
 * The operator's key ring, kept in a PKCS#12 keystore. The configured alias holds the first key;
 * each rotation adds {@code alias-2}, {@code alias-3}, ... and the highest generation signs. Older
 * entries stay in the keystore, retired, so every record ever signed keeps verifying.
 *
 * <p>Operators may create the keystore with {@code keytool -genkeypair -keyalg Ed25519 -storetype PKCS12}
 * (or {@code -keyalg EC -groupname secp256r1} for ES256); the embedded default creates one itself.
 */
public final class KeystoreKeyRing implements KeyRing {

    /**
     * One key: its public half, and the signers built over its private half once, when the keystore is read.
     * The private key itself is kept by nothing else and handed to no one.
     *
     * @param rawSigner an Ed25519 signer over raw bytes (for checkpoint notes); null for ES256 keys
     */
    private record Entry(String alias, int generation, JWK publicJwk, JWSSigner signer, Ed25519Sign rawSigner,
                         byte[] rawPublicKey, SigningAlgorithm algorithm, Instant createdAt) {
    }

    private final Path path;
    private final char[] password;
    private final String alias;
    private final SigningAlgorithm algorithmForNewKeys;
    private final Clock clock;
    private volatile List<Entry> entries;

    private KeystoreKeyRing(Path path, char[] password, String alias, SigningAlgorithm algorithmForNewKeys, Clock clock,
                            List<Entry> entries) {
        this.path = path;
        this.password = password.clone();
        this.alias = alias;
        this.algorithmForNewKeys = algorithmForNewKeys;
        this.clock = clock;
        this.entries = entries;
    }

    /** Opens an existing keystore; fails when it is missing or holds no key under the alias. */
    public static KeystoreKeyRing open(Path path, char[] password, String alias, SigningAlgorithm algorithmForNewKeys,
                                       Clock clock) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException("signing keystore " + path + " does not exist");
        }
        KeyStore store = load(path, password);
        List<Entry> entries = readEntries(store, password, alias);
        if (entries.isEmpty()) {
            throw new IllegalStateException("signing keystore " + path + " holds no private key under alias '" + alias + "'");
        }
        return new KeystoreKeyRing(path, password, alias, algorithmForNewKeys, clock, entries);
    }

    /**
     * Opens the keystore, first creating it with one fresh key of the given algorithm when it does not exist.
     * For a key ring with no stored records behind it; an operator's key ring opens with
     * {@link #openOrCreate(Path, char[], String, SigningAlgorithm, Clock, Set)}.
     */
    public static KeystoreKeyRing openOrCreate(Path path, char[] password, String alias, SigningAlgorithm algorithm,
                                               Clock clock) {
        return openOrCreate(path, password, alias, algorithm, clock, Set.of());
    }

    /**
     * Opens the keystore over a database whose records were signed by {@code kidsInUse}. A new keystore is
     * made only when that set is empty (a truly empty installation): a missing keystore over signed records
     * is a lost keystore, to be restored from backup, never silently replaced.
     *
     * @throws MissingSigningKeysException when the keystore is missing or lacks any of {@code kidsInUse}
     */
    public static KeystoreKeyRing openOrCreate(Path path, char[] password, String alias, SigningAlgorithm algorithm,
                                               Clock clock, Set<String> kidsInUse) {
        if (!Files.exists(path)) {
            if (!kidsInUse.isEmpty()) {
                throw new MissingSigningKeysException("the signing keystore " + path + " does not exist, but the "
                        + "database holds records signed by key(s) " + String.join(", ", kidsInUse) + "; restore the "
                        + "keystore (and its password) from the backup taken with the database. A new key is made only "
                        + "for a database without signed records.", kidsInUse);
            }
            KeyStore store = emptyStore();
            addKey(store, password, alias, algorithm, clock.instant());
            save(store, path, password);
        }
        KeystoreKeyRing ring = open(path, password, alias, algorithm, clock);
        ring.requireKeys(kidsInUse);
        return ring;
    }

    /** The ids of every key in the ring, retired ones included. */
    public Set<String> keyIds() {
        Set<String> ids = new LinkedHashSet<>();
        for (Entry e : entries) {
            ids.add(e.publicJwk().getKeyID());
        }
        return Collections.unmodifiableSet(ids);
    }

    /**
     * Refuses a ring that lacks a key which signed stored records: the JWKS would no longer verify them, and
     * an auditor's {@code verify log} would fail on every one.
     *
     * @throws MissingSigningKeysException naming the missing key ids
     */
    public void requireKeys(Set<String> kidsInUse) {
        Set<String> missing = new TreeSet<>(kidsInUse);
        missing.removeAll(keyIds());
        if (!missing.isEmpty()) {
            throw new MissingSigningKeysException("the signing keystore " + path + " lacks key(s) "
                    + String.join(", ", missing) + " that signed records in the database; restore the keystore (and "
                    + "its password) from the backup taken with the database, or configure the keystore that holds "
                    + "them (operator.signing.keystore)", missing);
        }
    }

    @Override
    public String sign(RecordType type, Map<String, Object> claims) {
        Entry active = active();
        JWSHeader header = new JWSHeader.Builder(active.algorithm().jws())
                .keyID(active.publicJwk().getKeyID())
                .type(new JOSEObjectType(type.mediaType()))
                .build();
        JWSObject jws = new JWSObject(header, new Payload(claims));
        try {
            jws.sign(active.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("signing with the active key failed", e);
        }
        return jws.serialize();
    }

    @Override
    public List<PublishedKey> publicKeys() {
        List<Entry> current = entries;
        Entry active = current.get(current.size() - 1);
        List<PublishedKey> keys = new ArrayList<>();
        for (Entry e : current) {
            keys.add(new PublishedKey(e.publicJwk(), e == active ? KeyStatus.ACTIVE : KeyStatus.RETIRED,
                    e.createdAt()));
        }
        return Collections.unmodifiableList(keys);
    }

    /**
     * The ring's public keys without the ring: a view that reads the current keys at every call (so it follows
     * a rotation) and has no way to sign.
     */
    public PublicKeys publicKeySet() {
        return new PublicKeys() {
            @Override
            public List<PublishedKey> publicKeys() {
                return KeystoreKeyRing.this.publicKeys();
            }

            @Override
            public Optional<byte[]> notePublicKey() {
                Entry active = active();
                return active.rawSigner() == null ? Optional.empty() : Optional.of(active.rawPublicKey().clone());
            }
        };
    }

    /**
     * A signer over raw bytes with whichever key is active at each signature, when the active key is Ed25519:
     * the transparency log's C2SP checkpoint notes need it. Empty with an ES256 key ring, which then
     * publishes no notes. The key never leaves the ring; only signatures do.
     */
    public Optional<PayloadSigner> ed25519Signer() {
        if (active().rawSigner() == null) {
            return Optional.empty();
        }
        return Optional.of(new PayloadSigner() {
            @Override
            public byte[] publicKey() {
                return ed25519().rawPublicKey().clone();
            }

            @Override
            public byte[] sign(byte[] payload) {
                try {
                    return ed25519().rawSigner().sign(payload);
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("Ed25519 signing failed", e);
                }
            }

            private Entry ed25519() {
                Entry active = active();
                if (active.rawSigner() == null) {
                    throw new IllegalStateException("the active key is no longer Ed25519; it signs no notes");
                }
                return active;
            }
        });
    }

    public String activeKeyId() {
        return active().publicJwk().getKeyID();
    }

    /**
     * Adds a new key of the configured algorithm and makes it the signing key. The keystore file is
     * rewritten atomically, so a crash leaves either the old or the new ring, never a broken one.
     */
    public synchronized PublishedKey rotate() {
        KeyStore store = load(path, password);
        int next = entries.get(entries.size() - 1).generation() + 1;
        addKey(store, password, alias + "-" + next, algorithmForNewKeys, clock.instant());
        save(store, path, password);
        entries = readEntries(store, password, alias);
        List<PublishedKey> keys = publicKeys();
        return keys.get(keys.size() - 1);
    }

    private Entry active() {
        List<Entry> current = entries;
        return current.get(current.size() - 1);
    }

    private static List<Entry> readEntries(KeyStore store, char[] password, String alias) {
        List<Entry> result = new ArrayList<>();
        try {
            for (String name : Collections.list(store.aliases())) {
                int generation = generationOf(name, alias);
                if (generation < 1 || !store.isKeyEntry(name)) {
                    continue;
                }
                PrivateKey privateKey = (PrivateKey) store.getKey(name, password);
                Certificate cert = store.getCertificate(name);
                Date created = store.getCreationDate(name);
                result.add(toEntry(name, generation, privateKey, cert.getPublicKey(),
                        created == null ? Instant.EPOCH : created.toInstant()));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the signing keystore cannot be read: " + e.getMessage(), e);
        }
        result.sort(Comparator.comparingInt(Entry::generation));
        return List.copyOf(result);
    }

    private static int generationOf(String name, String alias) {
        // PKCS#12 aliases come back lower-cased from some providers, so compare without case.
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        String base = alias.toLowerCase(java.util.Locale.ROOT);
        if (lower.equals(base)) {
            return 1;
        }
        if (lower.startsWith(base + "-")) {
            try {
                return Integer.parseInt(lower.substring(base.length() + 1));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    private static Entry toEntry(String name, int generation, PrivateKey privateKey, PublicKey publicKey, Instant created)
            throws GeneralSecurityException {
        try {
            if (privateKey instanceof EdECPrivateKey ed) {
                byte[] seed = ed.getBytes().orElseThrow(() -> new GeneralSecurityException("Ed25519 key without seed"));
                byte[] encoded = publicKey.getEncoded();
                // An X.509 SubjectPublicKeyInfo for Ed25519 ends with the 32 raw public key bytes (RFC 8410).
                byte[] x = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
                OctetKeyPair okp = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x))
                        .d(Base64URL.encode(seed))
                        .keyIDFromThumbprint()
                        .build();
                return new Entry(name, generation, okp.toPublicJWK(), new Ed25519Signer(okp), new Ed25519Sign(seed), x,
                        SigningAlgorithm.EDDSA, created);
            }
            if (privateKey instanceof ECPrivateKey ec && publicKey instanceof ECPublicKey ecPublic) {
                ECKey key = new ECKey.Builder(Curve.P_256, ecPublic).privateKey(ec).keyIDFromThumbprint().build();
                return new Entry(name, generation, key.toPublicJWK(), new ECDSASigner(key), null, null,
                        SigningAlgorithm.ES256, created);
            }
        } catch (JOSEException e) {
            throw new GeneralSecurityException("key " + name + " cannot sign: " + e.getMessage(), e);
        }
        throw new GeneralSecurityException("key " + name + " is neither Ed25519 nor P-256");
    }

    private static void addKey(KeyStore store, char[] password, String name, SigningAlgorithm algorithm, Instant now) {
        try {
            KeyPair pair = generate(algorithm);
            X500Name subject = new X500Name("CN=MyData Consent Operator record signing");
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    BigInteger.valueOf(now.toEpochMilli()), Date.from(now), Date.from(now.plus(Duration.ofDays(36500))),
                    subject, pair.getPublic());
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(algorithm.certificateSignature()).build(pair.getPrivate())));
            store.setKeyEntry(name, pair.getPrivate(), password, new Certificate[] {certificate});
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("a new signing key could not be made: " + e.getMessage(), e);
        }
    }

    private static KeyPair generate(SigningAlgorithm algorithm) throws GeneralSecurityException {
        if (algorithm == SigningAlgorithm.EDDSA) {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        }
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static KeyStore emptyStore() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("PKCS#12 is not available", e);
        }
    }

    private static KeyStore load(Path path, char[] password) {
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("signing keystore " + path + " cannot be opened (wrong password?)", e);
        }
    }

    private static void save(KeyStore store, Path path, char[] password) {
        try {
            PrivateFiles.replace(path, out -> store.store(out, password));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("signing keystore " + path + " cannot be written", e);
        }
    }
}
