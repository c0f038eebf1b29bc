package org.mydata.operator.bench.load;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.account.Account;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.consent.NewConsent;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.link.PatientMatch;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.log.CheckpointSigner;
import org.mydata.operator.log.Ed25519NoteSigner;
import org.mydata.operator.log.LogAppender;
import org.mydata.operator.log.LogWriter;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.log.TransparencyLog;
import org.mydata.operator.verify.log.TreeFrontier;
import org.mydata.operator.optout.OptOuts;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.request.DataRequests;
import org.mydata.operator.request.NewDataRequest;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.NewProgramme;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.signing.Jwks;
import org.mydata.operator.signing.KeystoreKeyRing;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.signing.SigningAlgorithm;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.NewSource;
import org.mydata.operator.source.SourceHosts;
import org.mydata.operator.source.SourceRegistry;
import org.mydata.operator.source.SourceSecrets;
import org.mydata.operator.store.OperatorSchema;
import org.mydata.operator.store.Transactions;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Scenario 7, national scale (issue 27 item 4), in-process with consent-core's own classes against the
 * operator's PostgreSQL server, in a database of its own migrated with the operator's schema:
 * <ol>
 * <li>a small database first: 100 persons linked and consenting; the write latency (pause / resume, one at a
 * time) and the consent check measured there, as the figures to compare with;</li>
 * <li>then 10^5 persons (quick: 10^4), each an account, a service link and a consent to one programme, written
 * through consent-core's own write path (real signed records in the log, 16 writers); every tenth person also
 * opts out of an opt-out programme over the same source;</li>
 * <li>the log COPY-loaded to 10^7 entries in stages (10^6, 2x10^6, 4x10^6, 10^7; quick: 2x10^5) with access events (RFC 8785 JSON, unsigned, as the
 * operator logs them) of the cohort's persons, then integrated by a {@link LogWriter} (signed checkpoints);</li>
 * <li>at that size: the consent check of one gateway request (Permits.forUse + Cohorts.ofPersons of one patient
 * or of a page of 20 persons + the access log's last check of the page), the whole cohort as every request read it
 * before (Cohorts.of), of a full export (Cohorts.ofTypes once + each download's cohort and last check), the cohort
 * query alone (its SQL, and opt-out), a consent write, inclusion and consistency proofs, and a
 * verify of the whole log (every entry read, hashed, folded and compared with the signed checkpoint; every
 * signed record's signature checked); table sizes from {@code pg_total_relation_size}.</li>
 * </ol>
 */
final class ScaleScenario {
    static final String ORIGIN = "bench.example/scale";
    private static final String STEWARD = "steward@scale.example";
    private static final int WRITERS = 16;
    private static final int SMALL = 100;
    /** verify checks every this many signed records' signatures, and extrapolates the rest from their rate. */
    private static final int SIGNATURE_SAMPLE = 20;
    private static final String RESEARCHER = "researcher@uni.example";
    private static final List<String> TYPES = List.of("Patient", "Observation", "Condition");

    private final Driver.Ctx ctx;
    private final Metrics m;
    private final HikariDataSource ds;
    private final Transactions tx;
    private final KeystoreKeyRing ring;
    private final Clock clock = Clock.systemUTC();
    private final Accounts accounts;
    private final ServiceLinks links;
    private final Consents consents;
    private final OptOuts optOuts;
    private final AccessLog accessLog;
    private final Permits permits;
    private final Cohorts cohorts;
    private final TransparencyLog log;
    private final FhirSource source;
    private final Programme programme;
    private final Programme optOutProgramme;
    private final UUID permit;
    private final UUID optOutPermit;
    /** Every seeded person's account and consent, in seeding order. */
    private final List<Person> seeded = new ArrayList<>();

    private record Person(UUID accountId, UUID consentId) {
    }

    private ScaleScenario(Driver.Ctx ctx, HikariDataSource ds, Path keys) throws IOException {
        this.ctx = ctx;
        this.m = ctx.metrics();
        this.ds = ds;
        this.tx = new Transactions(ds);
        this.ring = KeystoreKeyRing.openOrCreate(keys.resolve("k.p12"), "bench".toCharArray(), "operator",
                SigningAlgorithm.EDDSA, clock);
        LogAppender appender = new LogAppender(ds, ring);
        SourceRegistry sources = new SourceRegistry(tx, clock, SourceHosts.allowing(List.of()), SourceSecrets.ephemeral());
        this.accounts = new Accounts(tx, clock);
        // The source's side only: every person is the patient of their own identifier (no FHIR server is asked).
        this.links = new ServiceLinks(tx, sources, (s, person) -> new PatientMatch.Found("pat-" + person.value()),
                appender, clock);
        this.consents = new Consents(tx, appender, clock);
        this.optOuts = new OptOuts(tx, appender, clock);
        this.accessLog = new AccessLog(tx, appender);
        this.permits = new Permits(tx);
        this.cohorts = new Cohorts(tx);
        this.log = new TransparencyLog(tx);
        this.source = sources.register(new NewSource("Scale hospital", "https://fhir.scale-hospital.example/r4/", null));
        ProgrammeRegistry programmes = new ProgrammeRegistry(tx, clock);
        DataScope scope = new DataScope(TYPES, LocalDate.parse("2015-01-01"), null);
        this.programme = programmes.create(new NewProgramme("National heart study", "Heart health of donors",
                "University Heart Research", List.of("dpv:ScientificResearch", "dpv:DataAltruism"), scope,
                "https://research.example/heart/terms", "2.1", List.of(STEWARD)));
        this.optOutProgramme = programmes.create(new NewProgramme("National registry", "Secondary use under the EHDS",
                "Health data access body", List.of("dpv:ScientificResearch"), scope,
                "https://hdab.example/terms", "1.0", List.of(STEWARD), "ehds-secondary-use", List.of(source.id())));
        DataRequests requests = new DataRequests(tx, appender, clock);
        this.permit = approved(requests, programme);
        this.optOutPermit = approved(requests, optOutProgramme);
    }

    private UUID approved(DataRequests requests, Programme p) {
        UUID request = requests.submit(RESEARCHER, new NewDataRequest(p.id(), "Scale study " + p.name(),
                "University Heart Research", "dpv:ScientificResearch", new DataScope(TYPES, null, null), "Outcome study",
                Instant.now(clock).plus(Duration.ofDays(365)))).id();
        return requests.decide(STEWARD, request, DataRequests.Decision.APPROVE, null).permitId();
    }

    static void run(Driver.Ctx ctx) throws Exception {
        int persons = Integer.parseInt(ctx.options().getOrDefault("scale-persons", ctx.quick() ? "10000" : "100000"));
        long logSize = Long.parseLong(ctx.options().getOrDefault("scale-log", ctx.quick() ? "200000" : "10000000"));
        String database = "bench_scale";
        String smallDatabase = "bench_scale_small";
        try (Connection c = DriverManager.getConnection(ctx.pgUrl("postgres"), "postgres", "");
             Statement s = c.createStatement()) {
            for (String d : List.of(database, smallDatabase)) {
                s.execute("drop database if exists " + d);
                s.execute("create database " + d);
            }
        }
        Metrics m = ctx.metrics();
        m.put("s7.persons", persons);
        m.put("s7.log_target", logSize);
        try (HikariDataSource ds = new HikariDataSource(); HikariDataSource smallDs = new HikariDataSource()) {
            ds.setJdbcUrl(ctx.pgUrl(database));
            ds.setUsername("postgres");
            ds.setMaximumPoolSize(WRITERS + 2);
            OperatorSchema.migrate(ds);
            // A small database beside it, on the same server, that stays small: on a shared machine the writes are
            // compared with writes to it made in turn with them, so that both see the same load.
            smallDs.setJdbcUrl(ctx.pgUrl(smallDatabase));
            smallDs.setUsername("postgres");
            smallDs.setMaximumPoolSize(WRITERS + 2);
            OperatorSchema.migrate(smallDs);
            ScaleScenario small = new ScaleScenario(ctx, smallDs, Files.createTempDirectory("bench-scale-small-keys"));
            small.seed(SMALL);
            small.integrate("small");
            ScaleScenario s = new ScaleScenario(ctx, ds, Files.createTempDirectory("bench-scale-keys"));
            s.seed(SMALL);
            s.integrate("small");
            s.writes("small", small, ctx.quick() ? 100 : 200);
            s.checks("small", 100, 20);

            s.bulkSeed(persons);
            s.integrate("seeded");
            // The log grows in stages; every figure that depends on its size is taken at each, so that a run cut
            // short (or --scale-log smaller) still shows the trend. The cohort figures are taken at the first.
            long first = Math.min(logSize, ctx.quick() ? logSize : 1_000_000);
            List<Long> stages = new ArrayList<>(List.of(first));
            for (long stage : new long[] {2_000_000, 4_000_000, 10_000_000, 30_000_000, 100_000_000}) {
                if (stage > first && stage <= logSize) {
                    stages.add(stage);
                }
            }
            if (!stages.contains(logSize) && logSize > first) {
                stages.add(logSize);
            }
            for (long stage : stages) {
                s.grow(stage);
                s.integrate("grown." + stage);
                s.analyze();
                m.put("s7.log_size", s.log.sequencedSize());
                if (stage == first) {
                    s.checks("scale", ctx.quick() ? 100 : 300, ctx.quick() ? 3 : 5);
                    s.explain();
                    s.exportCheck();
                }
                s.writes("log." + stage, small, ctx.quick() ? 100 : 200);
                s.integrate("written." + stage);
                s.proofs(s.log.sequencedSize(), "log." + stage);
                s.sizes("log." + stage);
                s.verify("log." + stage);
                m.put("s7.stage_done", stage);
            }
        }
        m.put("s7.load", Cpu.loadAverage());
    }

    /** Accounts, links and consents up to {@code n} persons, through consent-core's write path; each tenth opts out. */
    private void seed(int n) throws Exception {
        int from = seeded.size();
        if (from >= n) {
            return;
        }
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        try {
            List<Future<Consent>> futures = new ArrayList<>();
            for (int i = from; i < n; i++) {
                int person = i;
                futures.add(pool.submit(() -> {
                    Account account = accounts.forSubject("scale-person-" + person);
                    links.link(account, new PersonIdentifier("urn:oid:1.2.246.21", "p" + person), source.id());
                    Consent consent = consents.grant(account, new NewConsent(programme.id(), null, null,
                            List.of(source.id()), null, null, null, null));
                    if (person % 10 == 9) {
                        optOuts.optOut(account, optOutProgramme.id(), null);
                    }
                    return consent;
                }));
            }
            long done = 0;
            for (Future<Consent> f : futures) {
                Consent consent = f.get();
                seeded.add(new Person(consent.accountId(), consent.id()));
                if (++done % 10_000 == 0) {
                    Progress.say("scale: seeded %d persons (%.0f/s)", from + done, done / ((System.nanoTime() - t0) / 1e9));
                }
            }
        } finally {
            pool.shutdown();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        m.put("s7.seed." + n + ".seconds", s);
        m.put("s7.seed." + n + ".persons_per_s", (n - from) / s);
        Progress.say("scale: seeded %d persons (account, link, consent; every tenth an opt-out) in %.0f s, %.0f/s", n - from,
                s, (n - from) / s);
    }

    /**
     * The persons from {@link #seeded}'s size up to {@code n}, loaded with COPY as clones of the last person the
     * write path seeded (the same columns, texts and timestamps; its opt-out for every tenth), each with ids of
     * its own and its own records: the service link, consent, first status and opt-out records are signed again
     * by the key ring over the template's claims with the new ids and log indexes (on every core), and appended
     * to the log in order, as the write path would. 16 writers through the write path do some 10^2 persons a
     * second on this shared machine; this is the same rows at COPY speed.
     */
    private void bulkSeed(int n) throws Exception {
        int from = seeded.size();
        if (from >= n) {
            return;
        }
        long t0 = System.nanoTime();
        Template t = template(from - 1);
        int chunk = 5_000;
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long signatures = 0;
        try {
            for (int start = from; start < n; start += chunk) {
                int end = Math.min(n, start + chunk);
                long base = log.sequencedSize();
                // Each person's records take 3 log entries, 4 with an opt-out: indexes are known before signing.
                long[] firstIndex = new long[end - start];
                long next = base;
                for (int i = start; i < end; i++) {
                    firstIndex[i - start] = next;
                    next += i % 10 == 9 ? 4 : 3;
                }
                List<Future<Clone>> futures = new ArrayList<>();
                int slice = Math.max(1, (end - start) / threads + 1);
                for (int a = start; a < end; a += slice) {
                    int lo = a;
                    int hi = Math.min(end, a + slice);
                    int offset = lo - start;
                    futures.add(pool.submit(() -> t.clones(ring, lo, hi, firstIndex, offset)));
                }
                Clone all = new Clone();
                for (Future<Clone> f : futures) {
                    all.add(f.get());
                }
                try (Connection c = ds.getConnection()) {
                    c.setAutoCommit(false);
                    PGConnection pg = c.unwrap(PGConnection.class);
                    for (int k = 0; k < Template.TABLES.length; k++) {
                        pg.getCopyAPI().copyIn("copy " + Template.TABLES[k] + " from stdin",
                                new StringReader(all.rows[k].toString()));
                    }
                    pg.getCopyAPI().copyIn("copy log_entry (idx, entry, leaf_hash) from stdin",
                            new StringReader(all.log.toString()));
                    try (PreparedStatement ps = c.prepareStatement("update log_head set next_index = ?")) {
                        ps.setLong(1, next);
                        ps.executeUpdate();
                    }
                    c.commit();
                }
                seeded.addAll(all.persons);
                signatures += next - base;
                Progress.say("scale: seeded %d persons by COPY (%.0f/s)", end, (end - from) / ((System.nanoTime() - t0) / 1e9));
            }
        } finally {
            pool.shutdown();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        m.put("s7.seed.bulk_seconds", s);
        m.put("s7.seed.bulk_persons_per_s", (n - from) / s);
        m.put("s7.seed.bulk_signatures", signatures);
        Progress.say("scale: seeded %d persons by COPY, %d records signed in the driver, in %.0f s (%.0f persons/s)", n - from,
                signatures, s, (n - from) / s);
    }

    /** What one slice of clones adds: rows per table in COPY text, log entries, and the persons. */
    private static final class Clone {
        final StringBuilder[] rows = new StringBuilder[Template.TABLES.length];
        final StringBuilder log = new StringBuilder();
        final List<Person> persons = new ArrayList<>();

        Clone() {
            for (int k = 0; k < rows.length; k++) {
                rows[k] = new StringBuilder();
            }
        }

        void add(Clone other) {
            for (int k = 0; k < rows.length; k++) {
                rows[k].append(other.rows[k]);
            }
            log.append(other.log);
            persons.addAll(other.persons);
        }
    }

    /** The template person's rows (COPY text of each table, log index last) and the ids to replace in them. */
    private record Template(String[] rows, Map<String, String> ids, int person) {
        static final String[] TABLES = {
            "account (id, subject, created_at)",
            "service_link (id, account_id, source_id, surrogate_id, created_at, record, log_index)",
            "consent (id, account_id, programme_id, purposes, scope, valid_from, valid_until, terms, proposal, "
                    + "created_at, access_modes, withdrawn_at, duplicate_of, record, log_index)",
            "consent_link (consent_id, link_id)",
            "consent_status (id, consent_id, seq, status, changed_by, reason, prev_hash, created_at, record, log_index)",
            "opt_out (id, account_id, programme_id, created_at, withdrawn_at)",
            "opt_out_record (id, opt_out_id, account_id, programme_id, seq, status, prev_hash, notice_sha256, "
                    + "created_at, record, log_index)"};
        /** Which of the tables' rows carry a signed record (and log index), in log order. */
        static final int[] SIGNED = {1, 2, 4, 6};

        Clone clones(KeystoreKeyRing ring, int lo, int hi, long[] firstIndex, int offset) {
            Clone out = new Clone();
            HexFormat hex = HexFormat.of();
            for (int i = lo; i < hi; i++) {
                boolean optsOut = i % 10 == 9;
                Map<String, String> replace = new LinkedHashMap<>();
                for (Map.Entry<String, String> id : ids.entrySet()) {
                    replace.put(id.getValue(), UUID.randomUUID().toString());
                }
                long index = firstIndex[i - lo + offset];
                for (int k = 0; k < TABLES.length; k++) {
                    if (rows[k] == null || (k >= 5 && !optsOut)) {
                        continue;
                    }
                    String row = rows[k];
                    for (Map.Entry<String, String> r : replace.entrySet()) {
                        row = row.replace(r.getKey(), r.getValue());
                    }
                    row = row.replace("\tscale-person-" + person + "\t", "\tscale-person-" + i + "\t")
                            .replace("\tpat-p" + person + "\t", "\tpat-p" + i + "\t");
                    int table = k;
                    if (Arrays.stream(SIGNED).anyMatch(x -> x == table)) {
                        String[] cols = row.split("\t", -1);
                        String record = resign(ring, cols[cols.length - 2], replace, i, index);
                        cols[cols.length - 2] = record;
                        cols[cols.length - 1] = Long.toString(index);
                        row = String.join("\t", cols);
                        byte[] entry = record.getBytes(StandardCharsets.US_ASCII);
                        out.log.append(index).append('\t').append("\\\\x").append(hex.formatHex(entry)).append('\t')
                                .append("\\\\x").append(hex.formatHex(MerkleTree.leafHash(entry).bytes())).append('\n');
                        index++;
                    }
                    out.rows[k].append(row).append('\n');
                }
                out.persons.add(new Person(UUID.fromString(replace.get(ids.get("account"))),
                        UUID.fromString(replace.get(ids.get("consent")))));
            }
            return out;
        }

        /** The template's record with the new ids (and log index, where it carries one), signed by the key ring. */
        private String resign(KeystoreKeyRing ring, String template, Map<String, String> replace, int i, long index) {
            String[] parts = template.split("\\.");
            String header = new String(java.util.Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
            String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
            for (Map.Entry<String, String> r : replace.entrySet()) {
                payload = payload.replace(r.getKey(), r.getValue());
            }
            payload = payload.replace("\"pat-p" + person + "\"", "\"pat-p" + i + "\"");
            Map<String, Object> claims = new LinkedHashMap<>(org.mydata.operator.json.Json.read(payload));
            if (claims.containsKey("log_index")) {
                claims.put("log_index", index);
            }
            String typ = (String) org.mydata.operator.json.Json.read(header).get("typ");
            RecordType type = RecordType.fromMediaType(typ).orElseThrow(() -> new IllegalStateException("typ " + typ));
            return ring.sign(type, claims);
        }
    }

    /** The rows of the person the write path seeded at {@code person}: the template of every bulk clone. */
    private Template template(int person) throws SQLException, IOException {
        Person p = seeded.get(person);
        Map<String, String> ids = new LinkedHashMap<>();
        String[] rows = new String[Template.TABLES.length];
        try (Connection c = ds.getConnection()) {
            ids.put("account", p.accountId().toString());
            ids.put("consent", p.consentId().toString());
            ids.put("link", single(c, "select id from service_link where account_id = '" + p.accountId() + "'"));
            ids.put("status", single(c, "select id from consent_status where consent_id = '" + p.consentId() + "'"));
            String optOut = single(c, "select id from opt_out where account_id = '" + p.accountId() + "'");
            if (optOut != null) {
                ids.put("opt_out", optOut);
                ids.put("opt_out_record", single(c, "select id from opt_out_record where opt_out_id = '" + optOut + "'"));
            }
            String[] where = {"id = '" + p.accountId() + "'", "account_id = '" + p.accountId() + "'",
                    "id = '" + p.consentId() + "'", "consent_id = '" + p.consentId() + "'",
                    "consent_id = '" + p.consentId() + "'", "account_id = '" + p.accountId() + "'",
                    "account_id = '" + p.accountId() + "'"};
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            for (int k = 0; k < rows.length; k++) {
                String table = Template.TABLES[k];
                String name = table.substring(0, table.indexOf(' '));
                String columns = table.substring(table.indexOf('(') + 1, table.lastIndexOf(')'));
                java.io.StringWriter w = new java.io.StringWriter();
                copy.copyOut("copy (select " + columns + " from " + name + " where " + where[k] + ") to stdout", w);
                String text = w.toString().strip();
                rows[k] = text.isEmpty() ? null : text;
                if (text.contains("\n")) {
                    throw new IllegalStateException("the template person has several rows in " + name);
                }
            }
        }
        return new Template(rows, ids, person);
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Lets an elected writer integrate everything sequenced so far, in batches of 100,000 with a signed checkpoint each. */
    private void integrate(String phase) throws SQLException {
        long t0 = System.nanoTime();
        long before;
        try (Connection c = ds.getConnection()) {
            before = TransparencyLog.integratedSize(c);
        }
        PGSimpleDataSource writerSource = new PGSimpleDataSource();
        writerSource.setUrl(ds.getJdbcUrl());
        writerSource.setUser("postgres");
        CheckpointSigner signer = new CheckpointSigner(ring, clock, ORIGIN,
                Ed25519NoteSigner.over(ORIGIN, ring.ed25519Signer().orElseThrow()));
        try (LogWriter writer = new LogWriter(writerSource, signer, new LogWriter.Settings(100_000, Duration.ofSeconds(1)))) {
            while (!(writer.runOnce() instanceof LogWriter.UpToDate)) {
                // batch after batch
            }
        }
        long entries = log.sequencedSize() - before;
        double s = (System.nanoTime() - t0) / 1e9;
        m.put("s7.integrate." + phase + ".entries", entries);
        m.put("s7.integrate." + phase + ".per_s", entries / s);
        Progress.say("scale: writer integrated %d entries (%s) in %.1f s", entries, phase, s);
    }

    /**
     * COPY-loads access events up to {@code size} entries: each the RFC 8785 JSON the access log writes for a
     * per-patient read of one cohort member (event id, person and time vary), with its leaf hash. Access events
     * are not signed one by one; the checkpoints the writer signs over them are what makes them verifiable.
     */
    private void grow(long size) throws SQLException, IOException {
        long from = log.sequencedSize();
        if (from >= size) {
            return;
        }
        long t0 = System.nanoTime();
        HexFormat hex = HexFormat.of();
        // Templates: one event per person of the first 1,000, its event id a placeholder overwritten per entry.
        UUID placeholder = new UUID(0x1234_5678_9abc_def0L, 0x0fed_cba9_8765_4321L);
        byte[] marker = placeholder.toString().getBytes(StandardCharsets.US_ASCII);
        int templates = Math.min(1000, seeded.size());
        byte[][] template = new byte[templates][];
        int[] at = new int[templates];
        Instant now = Instant.now(clock);
        for (int i = 0; i < templates; i++) {
            Person c = seeded.get(i);
            template[i] = AccessLog.canonicalEntry(new AccessEvent(placeholder, permit, RESEARCHER, "search",
                    List.of("Observation"), 37, List.of(new PersonAccess(c.accountId(), c.consentId(), 37)), now));
            at[i] = indexOf(template[i], marker);
        }
        m.put("s7.grow.entry_bytes", template[0].length);
        SplittableRandom random = new SplittableRandom(size);
        long rows = 0;
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            PGConnection pg = c.unwrap(PGConnection.class);
            long chunk = 50_000;
            for (long start = from; start < size; start += chunk) {
                long end = Math.min(size, start + chunk);
                StringBuilder copy = new StringBuilder((int) (end - start) * 1300);
                for (long i = start; i < end; i++) {
                    byte[] entry = template[(int) (i % templates)].clone();
                    byte[] id = new UUID(random.nextLong(), random.nextLong()).toString().getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(id, 0, entry, at[(int) (i % templates)], id.length);
                    copy.append(i).append('\t').append("\\\\x").append(hex.formatHex(entry)).append('\t')
                            .append("\\\\x").append(hex.formatHex(MerkleTree.leafHash(entry).bytes())).append('\n');
                }
                pg.getCopyAPI().copyIn("copy log_entry (idx, entry, leaf_hash) from stdin", new StringReader(copy.toString()));
                rows += end - start;
                if ((rows / chunk) % 20 == 0) {
                    Progress.say("scale: COPY %d of %d entries (%.0f/s)", start + chunk, size,
                            rows / ((System.nanoTime() - t0) / 1e9));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("update log_head set next_index = ?")) {
                ps.setLong(1, size);
                ps.executeUpdate();
            }
            c.commit();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        m.put("s7.grow.seconds", s);
        m.put("s7.grow.per_s", rows / s);
        Progress.say("scale: COPY-loaded %d access events of %d bytes in %.0f s (%.0f/s)", rows, template[0].length, s,
                rows / s);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("the event id is not in the access event's entry");
    }

    private void analyze() throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("vacuum analyze");
        }
    }

    /**
     * The consent check of one gateway request, as the gateway makes it: the permit (Permits.forUse), then the
     * cohort of the persons the request touches only (Cohorts.ofPersons: one person for a per-patient search, the
     * 20 persons of a page for a later page of a cohort search; the one release policy per candidate), then,
     * before anything leaves, the access log's last check and the event for a page of 20 persons
     * (AccessLog.recordOfThoseStillIn). Then, fewer times, the whole cohort as the gateway read it on every request
     * before (Cohorts.of: what a cohort-wide search, an export and a release plan's recheck still read once), its
     * SQL alone, and the opt-out programme's cohort.
     */
    private void checks(String phase, int samples, int wholeSamples) throws SQLException {
        int warm = Math.max(3, samples / 5);
        long[] permitNanos = new long[samples];
        long[] personNanos = new long[samples];
        long[] pageNanos = new long[samples];
        long[] lastNanos = new long[samples];
        long[] checkNanos = new long[samples];
        long[] personCheckNanos = new long[samples];
        long[] requestNanos = new long[samples];
        int pageMembers = 0;
        SplittableRandom random = new SplittableRandom(7);
        for (int i = -warm; i < samples; i++) {
            Person one = seeded.get(random.nextInt(seeded.size()));
            List<PersonAccess> page = new ArrayList<>();
            for (int k = 0; k < 20; k++) {
                Person c = seeded.get(random.nextInt(seeded.size()));
                page.add(new PersonAccess(c.accountId(), c.consentId(), 5));
            }
            page = page.stream().distinct().toList();
            List<UUID> pagePersons = page.stream().map(PersonAccess::accountId).toList();
            long t0 = System.nanoTime();
            Permit p = permits.forUse(permit, RESEARCHER, Instant.now(clock)).orElseThrow().permit();
            long t1 = System.nanoTime();
            int found = cohorts.ofPersons(p, "Observation", Instant.now(clock), List.of(one.accountId())).size();
            long t2 = System.nanoTime();
            pageMembers = cohorts.ofPersons(p, "Observation", Instant.now(clock), pagePersons).size();
            long t3 = System.nanoTime();
            accessLog.recordOfThoseStillIn(new AccessEvent(UUID.randomUUID(), permit, RESEARCHER, "search",
                    List.of("Observation"), page.size() * 5, page, Instant.now(clock)));
            long t4 = System.nanoTime();
            if (found != 1) {
                throw new IllegalStateException("a seeded person is not in the cohort of their own consent");
            }
            if (i >= 0) {
                permitNanos[i] = t1 - t0;
                personNanos[i] = t2 - t1;
                pageNanos[i] = t3 - t2;
                lastNanos[i] = t4 - t3;
                personCheckNanos[i] = t2 - t0;
                checkNanos[i] = (t1 - t0) + (t3 - t2);
                requestNanos[i] = (t1 - t0) + (t4 - t2);
            }
        }
        String k = "s7." + phase + ".";
        m.put(k + "page_members", pageMembers);
        put(k + "request", requestNanos);
        put(k + "check", checkNanos);
        put(k + "person_check", personCheckNanos);
        put(k + "permit", permitNanos);
        put(k + "person", personNanos);
        put(k + "page", pageNanos);
        put(k + "last_check", lastNanos);
        Progress.say("scale (%s): consent check of one request: a page of %d persons p50 %.2f ms p99 %.2f ms (permit %.2f, "
                        + "Cohorts.ofPersons %.2f); one patient p50 %.2f ms p99 %.2f ms (Cohorts.ofPersons %.2f); then the "
                        + "last check + event of the page %.2f ms", phase, pageMembers, Stats.percentileMs(checkNanos, 50),
                Stats.percentileMs(checkNanos, 99), Stats.percentileMs(permitNanos, 50), Stats.percentileMs(pageNanos, 50),
                Stats.percentileMs(personCheckNanos, 50), Stats.percentileMs(personCheckNanos, 99),
                Stats.percentileMs(personNanos, 50), Stats.percentileMs(lastNanos, 50));

        long[] cohortNanos = new long[wholeSamples];
        long[] sqlNanos = new long[wholeSamples];
        long[] optOutNanos = new long[wholeSamples];
        int cohortSize = 0;
        int optOutSize = 0;
        for (int i = -1; i < wholeSamples; i++) {
            long t0 = System.nanoTime();
            Permit p = permits.forUse(permit, RESEARCHER, Instant.now(clock)).orElseThrow().permit();
            cohortSize = cohorts.of(p, "Observation", Instant.now(clock)).size();
            long t1 = System.nanoTime();
            cohortSql();
            long t2 = System.nanoTime();
            Permit o = permits.forUse(optOutPermit, RESEARCHER, Instant.now(clock)).orElseThrow().permit();
            optOutSize = cohorts.of(o, "Observation", Instant.now(clock)).size();
            long t3 = System.nanoTime();
            if (i >= 0) {
                cohortNanos[i] = t1 - t0;
                sqlNanos[i] = t2 - t1;
                optOutNanos[i] = t3 - t2;
            }
        }
        m.put(k + "cohort_size", cohortSize);
        m.put(k + "optout_cohort_size", optOutSize);
        put(k + "cohort", cohortNanos);
        put(k + "cohort_sql", sqlNanos);
        put(k + "optout_cohort", optOutNanos);
        Progress.say("scale (%s, cohort %d, opt-out cohort %d): the whole cohort as every request read it before "
                        + "(permit + Cohorts.of) p50 %.2f ms, of which its SQL %.2f; opt-out cohort %.2f ms; a page now "
                        + "%.0fx faster", phase, cohortSize, optOutSize, Stats.percentileMs(cohortNanos, 50),
                Stats.percentileMs(sqlNanos, 50), Stats.percentileMs(optOutNanos, 50),
                Stats.percentileMs(cohortNanos, 50) / Stats.percentileMs(checkNanos, 50));
    }

    /** The cohort query's plan at this size, with timings and buffers, into the work directory. */
    private void explain() throws SQLException, IOException {
        StringBuilder plan = new StringBuilder();
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("explain (analyze, buffers) " + COHORT_SQL)) {
            ps.setObject(1, programme.id());
            ps.setTimestamp(2, java.sql.Timestamp.from(Instant.now(clock)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
        }
        Files.writeString(ctx.out().resolve("scale-cohort-plan.txt"), plan.toString());
        Progress.say("scale: the cohort query's plan:%n%s", plan);
        // The same query for the 20 persons of a page, as Cohorts.ofPersons asks it.
        StringBuilder page = new StringBuilder();
        int last = COHORT_SQL.lastIndexOf(" order by ");
        String persons = COHORT_SQL.substring(0, last) + " and c.account_id = any (?)" + COHORT_SQL.substring(last);
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("explain (analyze, buffers) " + persons)) {
            ps.setObject(1, programme.id());
            ps.setTimestamp(2, java.sql.Timestamp.from(Instant.now(clock)));
            SplittableRandom random = new SplittableRandom(11);
            UUID[] ids = new UUID[20];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = seeded.get(random.nextInt(seeded.size())).accountId();
            }
            ps.setArray(3, c.createArrayOf("uuid", ids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    page.append(rs.getString(1)).append('\n');
                }
            }
        }
        Files.writeString(ctx.out().resolve("scale-page-plan.txt"), page.toString());
        Progress.say("scale: the query of a page's 20 persons:%n%s", page);
    }

    /** The cohort query's own statement, rows read and dropped: what PostgreSQL costs without the Java side. */
    private long cohortSql() throws SQLException {
        long rows = 0;
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(COHORT_SQL)) {
            ps.setObject(1, programme.id());
            ps.setTimestamp(2, java.sql.Timestamp.from(Instant.now(clock)));
            ps.setFetchSize(10_000);
            c.setAutoCommit(false);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows++;
                }
            }
            c.commit();
        }
        return rows;
    }

    /** Cohorts' candidate query, as it stands in consent-core. */
    private static final String COHORT_SQL = """
                select c.id as consent_id, c.account_id, c.purposes, c.scope, c.access_modes, c.valid_from,
                       c.valid_until,
                       latest.status, sl.source_id, sl.surrogate_id
                  from consent c
                  join lateral (select s.status from consent_status s where s.consent_id = c.id
                                 order by s.seq desc limit 1) latest on true
                  join consent_link cl on cl.consent_id = c.id
                  join service_link sl on sl.id = cl.link_id and sl.removed_at is null
                 where c.programme_id = ? and latest.status = 'active'
                   and (c.valid_until is null or c.valid_until > ?)
                 order by c.created_at, c.id, sl.created_at, sl.id
                """;

    /**
     * The consent check of a full export of the permit: the cohort of all its types read once (Cohorts.ofTypes, the
     * export's run; before, each type's cohort was read on its own, timed here too), and for each type's download
     * the cohort of that type and the last check and access event of every person in it.
     */
    private void exportCheck() {
        int rounds = 1;
        long[] total = new long[rounds];
        long[] cohortsNanos = new long[rounds];
        long[] perTypeNanos = new long[rounds];
        long[] downloadsNanos = new long[rounds];
        long[] lastNanos = new long[rounds];
        String failure = null;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            Permit p = permits.forUse(permit, RESEARCHER, Instant.now(clock)).orElseThrow().permit();
            Map<String, List<org.mydata.operator.permit.CohortMember>> run = cohorts.ofTypes(p, TYPES, Instant.now(clock));
            long t1 = System.nanoTime();
            for (String type : TYPES) {
                if (cohorts.of(p, type, Instant.now(clock)).size() != run.get(type).size()) {
                    throw new IllegalStateException("one read of the cohort for all types differs from " + type + "'s own");
                }
            }
            long t2 = System.nanoTime();
            Map<String, List<PersonAccess>> perType = new LinkedHashMap<>();
            for (String type : TYPES) {
                perType.put(type, cohorts.of(p, type, Instant.now(clock)).stream()
                        .map(member -> new PersonAccess(member.accountId(), member.grants().get(0).id(), 3)).toList());
            }
            long t3 = System.nanoTime();
            for (Map.Entry<String, List<PersonAccess>> e : perType.entrySet()) {
                try {
                    accessLog.recordOfThoseStillIn(new AccessEvent(UUID.randomUUID(), permit, RESEARCHER,
                            "export-download", List.of(e.getKey()), e.getValue().size() * 3, e.getValue(),
                            Instant.now(clock)));
                } catch (RuntimeException refused) {
                    failure = refused.getClass().getSimpleName() + ": " + refused.getMessage();
                }
            }
            long t4 = System.nanoTime();
            cohortsNanos[r] = t1 - t0;
            perTypeNanos[r] = t2 - t1;
            downloadsNanos[r] = t3 - t2;
            lastNanos[r] = t4 - t3;
            total[r] = (t1 - t0) + (t4 - t2);
        }
        put("s7.export.check", total);
        put("s7.export.cohorts", cohortsNanos);
        put("s7.export.cohorts_per_type", perTypeNanos);
        put("s7.export.download_cohorts", downloadsNanos);
        put("s7.export.last_checks", lastNanos);
        if (failure != null) {
            m.put("s7.export.failure", failure.length() > 200 ? failure.substring(0, 200) : failure);
        }
        Progress.say("scale: consent check of a full export (%d types): %.0f ms (the run's one read of the cohort for all "
                        + "types %.0f ms, against %.0f ms for one read per type before; each download's cohort %.0f ms in "
                        + "all; last checks and events %.0f ms)%s", TYPES.size(), Stats.percentileMs(total, 50),
                Stats.percentileMs(cohortsNanos, 50), Stats.percentileMs(perTypeNanos, 50),
                Stats.percentileMs(downloadsNanos, 50), Stats.percentileMs(lastNanos, 50),
                failure == null ? "" : "; the event was refused: " + failure);
    }

    /** A consent write, one at a time: pause and resume of seeded persons' consents, each its own signed status record. */
    /**
     * A consent write at this size, one at a time, each followed by the same write on the small database (so both
     * see the same load on a shared machine): the time of the pause, then a resume (untimed) to keep it active.
     */
    private void writes(String phase, ScaleScenario small, int samples) {
        SplittableRandom random = new SplittableRandom(phase.hashCode());
        long[] nanos = new long[samples];
        long[] smallNanos = new long[samples];
        int warm = 50;
        for (int i = -warm; i < samples; i++) {
            long here = write(random);
            long there = small.write(random);
            if (i >= 0) {
                nanos[i] = here;
                smallNanos[i] = there;
            }
        }
        put("s7." + phase + ".write", nanos);
        put("s7." + phase + ".write_small", smallNanos);
        Progress.say("scale (%s): consent write (status record, one at a time) p50 %.2f ms, p99 %.2f ms; on the small "
                        + "database in turn with them p50 %.2f ms, p99 %.2f ms", phase, Stats.percentileMs(nanos, 50),
                Stats.percentileMs(nanos, 99), Stats.percentileMs(smallNanos, 50), Stats.percentileMs(smallNanos, 99));
    }

    private long write(SplittableRandom random) {
        // Never the last person: the write path's template for the bulk clones keeps its one status record.
        Person c = seeded.get(random.nextInt(seeded.size() - 1));
        Account account = new Account(c.accountId(), null, null);
        long t0 = System.nanoTime();
        consents.changeStatus(account, c.consentId(), ConsentStatus.PAUSED, StatusRecord.ChangedBy.PERSON, null);
        long t1 = System.nanoTime();
        consents.changeStatus(account, c.consentId(), ConsentStatus.ACTIVE, StatusRecord.ChangedBy.PERSON, null);
        return t1 - t0;
    }

    private void proofs(long size, String phase) throws Exception {
        ProofTimings timings = ProofTimings.measure(log, size, ctx.quick());
        long[] inclusion = timings.inclusion();
        long[] consistency = timings.consistency();
        m.put("s7." + phase + ".proof_log_size", size);
        put("s7." + phase + ".inclusion", inclusion);
        put("s7." + phase + ".consistency", consistency);
        Progress.say("scale: proofs at %d entries: inclusion p50 %.3f ms p99 %.3f ms; consistency p50 %.3f ms p99 %.3f ms",
                size, Stats.percentileMs(inclusion, 50), Stats.percentileMs(inclusion, 99),
                Stats.percentileMs(consistency, 50), Stats.percentileMs(consistency, 99));
    }

    /**
     * The whole log verified as the auditor's command does it, in-process: every entry read (one cursor, pages of
     * 10,000), its leaf hash recomputed, folded into the tree, the root compared with the latest signed
     * checkpoint, whose signature is checked; every entry that is a signed record (a compact JWS) has its
     * signature checked against the JWKS, on both cores.
     */
    private void verify(String phase) throws Exception {
        Checkpoint checkpoint = log.latestCheckpoint().orElseThrow();
        RecordVerifier verifier = new RecordVerifier(Jwks.toJwkSet(ring.publicKeys()));
        verifier.verify(checkpoint.jws());
        long size = checkpoint.treeSize();
        long t0 = System.nanoTime();
        TreeFrontier frontier = TreeFrontier.empty();
        AtomicLong signed = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<?>> pending = new ArrayList<>();
        long records = 0;
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("select idx, entry from log_entry where idx < ? order by idx")) {
                ps.setLong(1, size);
                ps.setFetchSize(10_000);
                try (ResultSet rs = ps.executeQuery()) {
                    List<String> jws = new ArrayList<>();
                    long expected = 0;
                    while (rs.next()) {
                        long idx = rs.getLong(1);
                        byte[] entry = rs.getBytes(2);
                        if (idx != expected++) {
                            throw new IllegalStateException("the log has a gap at " + (expected - 1));
                        }
                        bytes.addAndGet(entry.length);
                        frontier.append(MerkleTree.leafHash(entry));
                        if (entry.length > 0 && entry[0] == 'e' && records++ % SIGNATURE_SAMPLE == 0) {
                            jws.add(new String(entry, StandardCharsets.US_ASCII));
                            if (jws.size() == 200) {
                                List<String> batch = jws;
                                jws = new ArrayList<>();
                                pending.add(pool.submit(() -> verifyAll(verifier, batch, signed)));
                            }
                        }
                    }
                    List<String> batch = jws;
                    pending.add(pool.submit(() -> verifyAll(verifier, batch, signed)));
                }
            }
            c.commit();
        }
        for (Future<?> f : pending) {
            f.get();
        }
        pool.shutdown();
        long t1 = System.nanoTime();
        if (!frontier.root().equals(checkpoint.rootHash())) {
            throw new IllegalStateException("the recomputed root of " + size + " entries differs from the signed checkpoint");
        }
        double s = (t1 - t0) / 1e9;
        // Every signed record checked would add its signatures at the rate measured on the sample (2 threads).
        double sigSeconds = signed.get() == 0 ? 0 : sigNanos.get() / 1e9 / signed.get() * records / 2;
        String k = "s7." + phase + ".verify.";
        m.put(k + "entries", size);
        m.put(k + "signed_records", records);
        m.put(k + "signatures_checked", signed.get());
        m.put(k + "bytes", bytes.get());
        m.put(k + "seconds", s);
        m.put(k + "per_s", size / s);
        m.put(k + "all_signatures_s", sigSeconds);
        m.put(k + "passed", true);
        Progress.say("scale: verified the whole log, %d entries (%.1f GB; %d signed records, every %dth signature checked, "
                        + "all valid): root equals the signed checkpoint's, in %.0f s (%.0f entries/s); every signature on "
                        + "2 threads would take %.0f s more", size, bytes.get() / 1e9, records, SIGNATURE_SAMPLE, s, size / s,
                sigSeconds);
    }

    private final AtomicLong sigNanos = new AtomicLong();

    private Void verifyAll(RecordVerifier verifier, List<String> records, AtomicLong count) throws Exception {
        long t0 = System.nanoTime();
        for (String r : records) {
            verifier.verify(r);
        }
        sigNanos.addAndGet(System.nanoTime() - t0);
        count.addAndGet(records.size());
        return null;
    }

    /** Bytes per row of each table that grows with people or with use, from pg_total_relation_size. */
    private void sizes(String phase) throws SQLException {
        List<String> tables = List.of("account", "service_link", "consent", "consent_link", "consent_status", "opt_out",
                "opt_out_record", "access_event", "access_event_person", "log_entry", "log_subtree", "log_checkpoint");
        StringBuilder line = new StringBuilder();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String t : tables) {
                long rows;
                long total;
                try (ResultSet rs = s.executeQuery("select count(*), pg_total_relation_size('" + t + "') from " + t)) {
                    rs.next();
                    rows = rs.getLong(1);
                    total = rs.getLong(2);
                }
                m.put("s7." + phase + ".table." + t + ".rows", rows);
                m.put("s7." + phase + ".table." + t + ".bytes", total);
                m.put("s7." + phase + ".table." + t + ".bytes_per_row", rows == 0 ? 0 : total / (double) rows);
                line.append(String.format(java.util.Locale.ROOT, "%s %d rows %.0f B/row; ", t, rows,
                        rows == 0 ? 0 : total / (double) rows));
            }
            try (ResultSet rs = s.executeQuery("select pg_database_size(current_database())")) {
                rs.next();
                m.put("s7." + phase + ".database_bytes", rs.getLong(1));
                line.append(String.format(java.util.Locale.ROOT, "database %.2f GB", rs.getLong(1) / 1e9));
            }
        }
        Progress.say("scale: sizes: %s", line);
    }

    private void put(String key, long[] nanos) {
        m.put(key + "_p50_ms", Stats.percentileMs(nanos, 50));
        m.put(key + "_p99_ms", Stats.percentileMs(nanos, 99));
        m.put(key + "_n", nanos.length);
    }
}
