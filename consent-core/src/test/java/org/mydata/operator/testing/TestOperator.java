package org.mydata.operator.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.mydata.operator.account.Account;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.link.PatientLookup;
import org.mydata.operator.link.PatientMatch;
import org.mydata.operator.link.ServiceLink;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.NewProgramme;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.signing.Jwks;
import org.mydata.operator.signing.KeystoreKeyRing;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.signing.SigningAlgorithm;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.NewSource;
import org.mydata.operator.source.SourceHosts;
import org.mydata.operator.source.SourceRegistry;
import org.mydata.operator.source.SourceSecrets;
import org.mydata.operator.store.Transactions;

/**
 * The consent core wired as the application wires it, on a fresh database of the shared embedded PostgreSQL,
 * with a real keystore key ring. Only the FHIR patient lookup (the source's side) is faked: tests set what
 * the source answers through {@link #lookup}.
 */
public final class TestOperator {
    public static final Instant START = Instant.parse("2025-03-01T10:00:00Z");
    public static final PersonIdentifier PERSON = new PersonIdentifier("urn:oid:1.2.246.21", "010190-123A");

    public final DataSource dataSource;
    public final Transactions tx;
    public final MutableClock clock = new MutableClock(START);
    public final KeystoreKeyRing keyRing;
    public final SourceRegistry sources;
    public final ProgrammeRegistry programmes;
    public final Accounts accounts;
    public final ServiceLinks links;
    public final Consents consents;
    public final TransparencyLog log;
    public final LogAppender appender;
    /**
     * The fake source's answer unless a test says otherwise: one patient per person identifier, since one
     * patient belongs to at most one live link and every account {@link #link} makes is another person.
     */
    public static final PatientLookup ONE_PATIENT_PER_PERSON =
            (source, person) -> new PatientMatch.Found("pat-" + person.value());

    /** What the fake source answers for a patient search. */
    public final AtomicReference<PatientLookup> lookup = new AtomicReference<>(ONE_PATIENT_PER_PERSON);

    public TestOperator(Path keyDir) {
        this(keyDir, TestPostgres.freshDatabase());
    }

    /** On a database the test made itself (migrated with the operator's schema). */
    public TestOperator(Path keyDir, DataSource dataSource) {
        this.dataSource = dataSource;
        tx = new Transactions(dataSource);
        keyRing = KeystoreKeyRing.openOrCreate(keyDir.resolve("operator.p12"), "test".toCharArray(), "operator",
                SigningAlgorithm.EDDSA, clock);
        sources = new SourceRegistry(tx, clock, SourceHosts.allowing(List.of()), SourceSecrets.ephemeral());
        programmes = new ProgrammeRegistry(tx, clock);
        accounts = new Accounts(tx, clock);
        log = new TransparencyLog(tx);
        appender = new LogAppender(dataSource, keyRing);
        links = new ServiceLinks(tx, sources, (source, person) -> lookup.get().findByIdentifier(source, person),
                appender, clock);
        consents = new Consents(tx, appender, clock);
    }

    public RecordVerifier verifier() {
        return new RecordVerifier(Jwks.toJwkSet(keyRing.publicKeys()));
    }

    public FhirSource source(String name) {
        return sources.register(new NewSource(name, "https://fhir." + name.toLowerCase().replace(' ', '-') + ".example/r4/",
                null));
    }

    /** A heart-study programme: scientific research and data altruism; Patient, Observation, Condition from 2015. */
    public Programme heartStudy() {
        return programmes.create(new NewProgramme("Heart study", "Long-term heart health of donors",
                "University Heart Research", List.of("dpv:ScientificResearch", "dpv:DataAltruism"),
                new DataScope(List.of("Patient", "Observation", "Condition"), LocalDate.parse("2015-01-01"), null),
                "https://research.example/heart/terms", "2.1", List.of("steward@research.example")));
    }

    public Account newAccount() {
        return accounts.forSubject("person-" + UUID.randomUUID());
    }

    /** The account a consent belongs to, as the application would have it from the token. */
    public Account accountOf(org.mydata.operator.consent.Consent consent) {
        return new Account(consent.accountId(), null, null);
    }

    /** Links the account as the person {@link #personOf} it, so each account is a patient of its own. */
    public ServiceLink link(Account account, FhirSource source) {
        return links.link(account, personOf(account), source.id());
    }

    public static PersonIdentifier personOf(Account account) {
        return new PersonIdentifier(PERSON.system(), "p-" + account.id());
    }

    public long count(String sql, Object... params) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public void execute(String sql, Object... params) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.execute();
        }
    }
}
