package org.mydata.operator.api.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
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
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.mydata.operator.files.PrivateFiles;

/**
 * The embedded authorization server's own secrets, kept in a PKCS#12 file of their own beside the signing
 * keystore and under its password: the key that signs access tokens (so a restart does not sign everyone out)
 * and the key that derives citizens' pairwise subjects (so a person keeps their account across restarts).
 * Made on first start; neither ever signs a record, which is the key ring's alone.
 */
final class EmbeddedIssuerKeys {
    static final String FILE = "authorization-server.p12";
    private static final String TOKEN_KEY = "token-signing";
    private static final String SUBJECT_KEY = "subject-pseudonyms";

    private final RSAKey tokenSigningKey;
    private final SecretKey subjectKey;

    private EmbeddedIssuerKeys(RSAKey tokenSigningKey, SecretKey subjectKey) {
        this.tokenSigningKey = tokenSigningKey;
        this.subjectKey = subjectKey;
    }

    RSAKey tokenSigningKey() {
        return tokenSigningKey;
    }

    SecretKey subjectKey() {
        return subjectKey;
    }

    static EmbeddedIssuerKeys openOrCreate(Path file, char[] password, Clock clock) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            if (Files.exists(file)) {
                try (InputStream in = Files.newInputStream(file)) {
                    store.load(in, password);
                }
            } else {
                store.load(null, null);
                addTokenKey(store, password, clock);
                KeyGenerator hmac = KeyGenerator.getInstance("HmacSHA256");
                hmac.init(256, new SecureRandom());
                store.setEntry(SUBJECT_KEY, new KeyStore.SecretKeyEntry(hmac.generateKey()),
                        new KeyStore.PasswordProtection(password));
                save(store, file, password);
            }
            PrivateKey privateKey = (PrivateKey) store.getKey(TOKEN_KEY, password);
            SecretKey subjectKey = (SecretKey) store.getKey(SUBJECT_KEY, password);
            X509Certificate certificate = (X509Certificate) store.getCertificate(TOKEN_KEY);
            if (privateKey == null || subjectKey == null || certificate == null) {
                throw new IllegalStateException("the authorization server's keystore " + file + " lacks its keys");
            }
            RSAKey key = new RSAKey.Builder((RSAPublicKey) certificate.getPublicKey())
                    .privateKey((RSAPrivateKey) privateKey).keyUse(KeyUse.SIGNATURE).build();
            // The key id follows from the key (RFC 7638), so it is the same at every start.
            return new EmbeddedIssuerKeys(new RSAKey.Builder(key).keyID(key.computeThumbprint().toString()).build(),
                    subjectKey);
        } catch (GeneralSecurityException | IOException | JOSEException e) {
            throw new IllegalStateException("the authorization server's keystore " + file + " cannot be opened or made "
                    + "(wrong password?)", e);
        }
    }

    private static void addTokenKey(KeyStore store, char[] password, Clock clock) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        Instant now = clock.instant();
        X500Name subject = new X500Name("CN=MyData operator embedded authorization server");
        try {
            // PKCS#12 keeps a private key only with a certificate; nobody checks this self-signed one.
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(now.toEpochMilli()), Date.from(now),
                            Date.from(now.plus(36500, ChronoUnit.DAYS)), subject, pair.getPublic())
                            .build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())));
            store.setKeyEntry(TOKEN_KEY, pair.getPrivate(), password, new Certificate[] {certificate});
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("the token-signing key could not be made", e);
        }
    }

    private static void save(KeyStore store, Path path, char[] password) throws IOException, GeneralSecurityException {
        PrivateFiles.replace(path, out -> store.store(out, password));
    }
}
