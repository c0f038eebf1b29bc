package org.mydata.operator.bench.load;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.gateway.source.HapiPatientLookup;
import org.mydata.operator.gateway.source.SourceClients;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.signing.KeystoreKeyRing;
import org.mydata.operator.signing.SigningAlgorithm;
import org.mydata.operator.source.SourceHosts;
import org.mydata.operator.source.SourceRegistry;
import org.mydata.operator.source.SourceSecrets;
import org.mydata.operator.store.Transactions;

/**
 * consent-core in the driver's JVM, on the operator's database and with its keystore, as another operator
 * node would have it: for seeding cohorts and for measuring consent writes without the REST layer.
 */
final class Core implements AutoCloseable {
    final Accounts accounts;
    final ServiceLinks links;
    final Consents consents;
    /** The node's appender, whose batch figures scenario 1c reports. */
    final LogAppender appender;
    private final HikariDataSource dataSource;
    private final KeystoreKeyRing ring;

    private Core(HikariDataSource dataSource, KeystoreKeyRing ring, SourceSecrets secrets) {
        this.dataSource = dataSource;
        this.ring = ring;
        Clock clock = Clock.systemUTC();
        Transactions tx = new Transactions(dataSource);
        LogAppender appender = new LogAppender(dataSource, ring);
        this.appender = appender;
        this.accounts = new Accounts(tx, clock);
        this.links = new ServiceLinks(tx, new SourceRegistry(tx, clock, SourceHosts.allowing(List.of("localhost")), secrets),
                new HapiPatientLookup(new SourceClients(Fhir.CONTEXT, Duration.ofSeconds(5), Duration.ofSeconds(30))),
                appender, clock);
        this.consents = new Consents(tx, appender, clock);
    }

    static Core open(Driver.Ctx ctx, int connections) throws IOException {
        Path keys = ctx.dataDir().resolve("keys");
        char[] password = Files.readString(keys.resolve("keystore.password")).strip().toCharArray();
        KeystoreKeyRing ring = KeystoreKeyRing.open(keys.resolve("operator-signing.p12"), password, "operator",
                SigningAlgorithm.EDDSA, Clock.systemUTC());
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(ctx.pgUrl("postgres"));
        dataSource.setUsername("postgres");
        dataSource.setMaximumPoolSize(connections);
        // The operator under load made the key for sources' secrets beside its keystore.
        return new Core(dataSource, ring, SourceSecrets.open(keys.resolve(SourceSecrets.FILE_NAME), false));
    }

    /**
     * Signs records with the node's key in this JVM, as every consent write does, {@code signatures} times or for
     * {@code at most}, whichever ends first: Tink's Ed25519 is pure Java and C2 compiles it only after some 10^4
     * signatures, which the full run's 40 s of writes reach and a quick run's few seconds do not (issue 27: the
     * quick run warms up as the full run does, spending the time on signing alone). The time bound is the full
     * run's warm-up: on a loaded machine the count alone could take minutes. Returns how many it signed.
     */
    int warmSigning(Duration atMost, int signatures) {
        long until = System.nanoTime() + atMost.toNanos();
        java.util.Map<String, Object> claims = java.util.Map.of("warm-up", "consent-core in the driver's JVM");
        int signed = 0;
        while (signed < signatures && System.nanoTime() < until) {
            ring.sign(org.mydata.operator.verify.signing.RecordType.CONSENT_STATUS, claims);
            signed++;
        }
        return signed;
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
