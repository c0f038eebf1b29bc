package org.mydata.operator.verify;

import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mydata.operator.verify.audit.AuditBundle;
import org.mydata.operator.verify.audit.AuditJson;
import org.mydata.operator.verify.audit.BundleVerifier;
import org.mydata.operator.verify.audit.Check;
import org.mydata.operator.verify.audit.CheckpointNotes;
import org.mydata.operator.verify.audit.KeptCheckpoint;
import org.mydata.operator.verify.audit.LogAudit;
import org.mydata.operator.verify.audit.MalformedAuditDataException;
import org.mydata.operator.verify.audit.Report;
import org.mydata.operator.verify.audit.StatisticVerifier;
import org.mydata.operator.verify.audit.Witnessed;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.CheckpointNote;
import org.mydata.operator.verify.log.ConsistencyProof;
import org.mydata.operator.verify.log.InvalidProofException;
import org.mydata.operator.verify.log.Tile;
import org.mydata.operator.verify.log.TileReader;
import org.mydata.operator.verify.log.TiledSubtrees;
import org.mydata.operator.verify.log.WitnessKey;
import org.mydata.operator.verify.log.WitnessPolicy;

/**
 * {@code java -jar operator-verify.jar ...}: an auditor's check of a consent, or of the whole log, with nothing
 * but the operator's public keys. The small jar holds this module and Nimbus and Tink, nothing of the server;
 * {@code java -jar mydata-operator.jar verify ...} runs the same class, as {@code OperatorApplication.main} hands
 * it the arguments after {@code verify} before any Spring context starts. The checking itself is
 * {@link BundleVerifier}'s and {@link LogAudit}'s; this class reads files, fetches over HTTP (java.net.http),
 * and prints. JSON is read with Nimbus's utilities throughout, as the operator writes it ({@link AuditJson}).
 *
 * <p>Exit status: 0 when every check passed, 1 when any failed (or the operator's data is malformed),
 * 2 on a usage error or when the input could not be read or fetched, in which case nothing was verified.
 */
public final class VerifyCommand {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    static final String TOKEN_VARIABLE = "MYDATA_TOKEN";
    /**
     * Entries fetched per request: the most {@code GET /api/v1/audit/entries} serves at a time (consent-core's
     * {@code TransparencyLog.MAX_PAGE}); a smaller page would only cost more requests.
     */
    static final int ENTRIES_PAGE = 1000;

    private static final String USAGE_TEXT = """
            usage: java -jar operator-verify.jar MODE OPTIONS...
                   (the same as java -jar mydata-operator.jar verify MODE OPTIONS...)
              consent --jwks FILE --bundle FILE [--kept-checkpoint FILE [--consistency FILE]]
                  offline: check a saved audit bundle against a saved JWKS, and optionally against a checkpoint
                  kept earlier (--consistency: the proof between the two sizes, not needed when they are equal)
              consent --operator URL --consent ID [--token TOKEN] [--kept-checkpoint FILE] [--save DIR]
                  online: fetch the JWKS, the bundle and, with --kept-checkpoint, the consistency proof;
                  --save DIR writes jwks.json, bundle.json, checkpoint.json (keep it for next time) and
                  consistency.json, so the same verification can be repeated offline
              reconsent --jwks FILE --chain FILE
              reconsent --operator URL --consent ID [--token TOKEN] [--save DIR]
                  a re-consent chain (docs/amendments.md): the consent, the consents it replaced when its person
                  accepted new versions of the programme's terms, their status records and the programme's amendment
                  records; checks signatures, the amendments' version chain, each consent's version and terms hash,
                  and that each replacement names the consent it replaced and that consent's closing withdrawal
              statistic --jwks FILE --answer FILE
                  offline: check a statistical answer (the JSON its researcher received) against a saved JWKS:
                  its record verifies, signs exactly this answer, and names its permit and access event
              log --operator URL [--token TOKEN] [--from F] [--to N]
                  full-log audit: fetch entries 0..N-1, recompute the root and compare it with the checkpoint
                  signed for size N (default: the latest), verify every signature from index F on (default 0)
                  and every consent's status chain and access event
              log --tiles URL|DIR (--jwks FILE | --operator URL) [--from F] [WITNESS POLICY]
                  the same audit of the log published as C2SP tlog-tiles, read from its URL prefix or from a
                  mirror directory (wget --mirror), against its latest checkpoint note; no token needed
              consent ... --tiles URL|DIR [WITNESS POLICY]
                  also check that the bundle's checkpoint is consistent with the (witnessed) checkpoint of the tiles
            WITNESS POLICY: --witness VKEY (repeated, a witness's <name>+<id>+<key>) [--witnesses-required K]
                  refuse a checkpoint note without valid cosignatures of K of those witnesses (default: all)
            The token (scope auditor) may also come from the environment variable MYDATA_TOKEN.
            A --tiles DIR may also be written file:DIR.
            Exit status: 0 all checks passed, 1 a check failed, 2 usage error or input not obtainable.
            """;

    private VerifyCommand() {
    }

    /**
     * The auditor's jar: {@code java -jar operator-verify.jar consent|log ...}. A leading {@code verify} is
     * dropped, so a script written for the server's jar works with this one by changing the jar's name alone.
     */
    public static void main(String[] args) {
        boolean asOnTheServer = args.length > 0 && args[0].equals("verify");
        System.exit(run(asOnTheServer ? Arrays.copyOfRange(args, 1, args.length) : args, System.out));
    }

    /** Runs the command; never calls System.exit, so tests can run it in process. */
    public static int run(String[] args, PrintStream out) {
        try {
            if (args.length == 0) {
                throw new UsageException("say what to verify: consent, statistic or log");
            }
            if (args[0].equals("--help") || args[0].equals("-h")) {
                out.print(USAGE_TEXT);
                return OK;
            }
            Options options = Options.parse(args);
            return switch (args[0]) {
                case "consent" -> options.has("operator") ? consentOnline(options, out) : consentOffline(options, out);
                case "log" -> log(options, out);
                case "statistic" -> statistic(options, out);
                case "reconsent" -> reconsent(options, out);
                default -> throw new UsageException("unknown mode '" + args[0] + "': use consent, statistic or log");
            };
        } catch (UsageException e) {
            out.println("error: " + e.getMessage());
            out.print(USAGE_TEXT);
            return USAGE;
        } catch (InputException e) {
            out.println("error: " + e.getMessage());
            out.println("nothing was verified");
            return USAGE;
        } catch (MalformedAuditDataException e) {
            out.println("FAIL  input             " + e.getMessage());
            out.println("Result: FAILED, the operator's data is not in the audit format");
            return FAILED;
        }
    }

    // ---- modes -----------------------------------------------------------------------------------------

    private static int consentOffline(Options options, PrintStream out)
            throws UsageException, InputException, MalformedAuditDataException {
        options.allow("jwks", "bundle", "kept-checkpoint", "consistency", "tiles", "witness", "witnesses-required");
        String jwksFile = options.required("jwks");
        String bundleFile = options.required("bundle");
        if (options.has("consistency") && !options.has("kept-checkpoint")) {
            throw new UsageException("--consistency needs --kept-checkpoint");
        }
        JWKSet jwks = jwks(readFile(jwksFile), jwksFile);
        AuditBundle bundle = AuditJson.bundle(AuditJson.parseObject(readFile(bundleFile), "the bundle"));
        KeptCheckpoint kept = null;
        if (options.has("kept-checkpoint")) {
            Checkpoint checkpoint = AuditJson.checkpoint(AuditJson.parseObject(readFile(options.get("kept-checkpoint")),
                    "the kept checkpoint"), "kept checkpoint");
            ConsistencyProof proof = options.has("consistency") ? AuditJson.consistencyProof(AuditJson.parseObject(
                    readFile(options.get("consistency")), "the consistency proof"), "consistency proof") : null;
            kept = new KeptCheckpoint(checkpoint, proof);
        }
        return print(witnessed(BundleVerifier.verify(jwks, bundle, kept), jwks, bundle, options), out, kept == null);
    }

    private static int consentOnline(Options options, PrintStream out)
            throws UsageException, InputException, MalformedAuditDataException {
        options.allow("operator", "consent", "token", "kept-checkpoint", "save", "tiles", "witness",
                "witnesses-required");
        String consentId = options.required("consent");
        Operator operator = new Operator(options.required("operator"), token(options));
        String jwksText = operator.get("/.well-known/jwks.json", false);
        JWKSet jwks = jwks(jwksText, "the operator's JWKS");
        String bundleText = operator.get("/api/v1/audit/consents/" + encode(consentId), true);
        AuditBundle bundle = AuditJson.bundle(AuditJson.parseObject(bundleText, "the bundle"));
        KeptCheckpoint kept = null;
        String proofText = null;
        if (options.has("kept-checkpoint")) {
            Checkpoint checkpoint = AuditJson.checkpoint(AuditJson.parseObject(readFile(options.get("kept-checkpoint")),
                    "the kept checkpoint"), "kept checkpoint");
            long from = Math.min(checkpoint.treeSize(), bundle.checkpoint().treeSize());
            long to = Math.max(checkpoint.treeSize(), bundle.checkpoint().treeSize());
            ConsistencyProof proof = null;
            if (from != to) {
                proofText = operator.get("/api/v1/audit/proofs/consistency?from=" + from + "&to=" + to, true);
                proof = AuditJson.consistencyProof(AuditJson.parseObject(proofText, "the consistency proof"),
                        "consistency proof");
            }
            kept = new KeptCheckpoint(checkpoint, proof);
        }
        if (options.has("save")) {
            Path dir = Path.of(options.get("save"));
            write(dir.resolve("jwks.json"), jwksText);
            write(dir.resolve("bundle.json"), bundleText);
            write(dir.resolve("checkpoint.json"), AuditJson.write(AuditJson.toJson(bundle.checkpoint())));
            if (proofText != null) {
                write(dir.resolve("consistency.json"), proofText);
            }
            out.println("saved the JWKS, the bundle and its checkpoint to " + dir);
        }
        return print(witnessed(BundleVerifier.verify(jwks, bundle, kept), jwks, bundle, options), out, kept == null);
    }

    /** amend: a re-consent chain, from a file ({@code {"records": [JWS, ...]}}) or from the operator. */
    private static int reconsent(Options options, PrintStream out)
            throws UsageException, InputException, MalformedAuditDataException {
        options.allow("jwks", "chain", "operator", "consent", "token", "save");
        String jwksText;
        String chainText;
        String jwksName;
        if (options.has("operator")) {
            Operator operator = new Operator(options.required("operator"), token(options));
            jwksText = operator.get("/.well-known/jwks.json", false);
            jwksName = "the operator's JWKS";
            chainText = operator.get("/api/v1/audit/consents/" + encode(options.required("consent")) + "/chain", true);
            if (options.has("save")) {
                Path dir = Path.of(options.get("save"));
                write(dir.resolve("jwks.json"), jwksText);
                write(dir.resolve("chain.json"), chainText);
                out.println("saved the JWKS and the chain to " + dir);
            }
        } else {
            jwksName = options.required("jwks");
            jwksText = readFile(jwksName);
            chainText = readFile(options.required("chain"));
        }
        JWKSet jwks = jwks(jwksText, jwksName);
        Object records = AuditJson.parseObject(chainText, "the chain").get("records");
        if (!(records instanceof List<?> list) || list.stream().anyMatch(r -> !(r instanceof String))) {
            throw new MalformedAuditDataException("the chain has no list of records (compact JWS strings)");
        }
        return print(org.mydata.operator.verify.audit.ReconsentChain.verify(jwks,
                list.stream().map(String.class::cast).toList()), out, false);
    }

    private static int statistic(Options options, PrintStream out)
            throws UsageException, InputException, MalformedAuditDataException {
        options.allow("jwks", "answer");
        String jwksFile = options.required("jwks");
        String answerFile = options.required("answer");
        JWKSet jwks = jwks(readFile(jwksFile), jwksFile);
        Map<String, Object> answer = AuditJson.parseObject(readFile(answerFile), "the answer");
        return print(StatisticVerifier.verify(jwks, answer), out, false);
    }

    private static int log(Options options, PrintStream out)
            throws UsageException, InputException, MalformedAuditDataException {
        options.allow("operator", "token", "from", "to", "tiles", "jwks", "witness", "witnesses-required");
        if (options.has("tiles")) {
            return logFromTiles(options, out);
        }
        if (options.has("witness") || options.has("witnesses-required") || options.has("jwks")) {
            throw new UsageException("a witness policy and --jwks go with --tiles: the API serves no cosigned notes");
        }
        Operator operator = new Operator(options.required("operator"), token(options));
        long from = options.number("from", 0);
        JWKSet jwks = jwks(operator.get("/.well-known/jwks.json", false), "the operator's JWKS");
        String checkpointPath = "/api/v1/audit/checkpoint"
                + (options.has("to") ? "?size=" + options.number("to", 0) : "");
        Checkpoint checkpoint = AuditJson.checkpoint(AuditJson.parseObject(operator.get(checkpointPath, true),
                "the checkpoint"), "checkpoint");
        if (from > checkpoint.treeSize()) {
            throw new UsageException("--from " + from + " lies past the checkpoint's " + checkpoint.treeSize()
                    + " entries");
        }
        LogAudit audit = new LogAudit(jwks, from);
        for (long start = 0; start < checkpoint.treeSize(); start += ENTRIES_PAGE) {
            long end = Math.min(checkpoint.treeSize(), start + ENTRIES_PAGE);
            String what = "entries " + start + ".." + (end - 1);
            audit.add(AuditJson.entries(AuditJson.parseArray(
                    operator.get("/api/v1/audit/entries?start=" + start + "&end=" + end, true), what), what));
        }
        return print(audit.finish(checkpoint), out, false);
    }

    /** The full-log audit from tiles: the same checks as from the API, against the latest checkpoint note. */
    private static int logFromTiles(Options options, PrintStream out)
            throws UsageException, InputException, MalformedAuditDataException {
        if (options.has("to") || options.has("token")) {
            throw new UsageException("with --tiles the audit covers the latest checkpoint, needs no token and takes no "
                    + "--to");
        }
        TileReader tiles = tiles(options);
        JWKSet jwks = publicJwks(options);
        CheckpointNotes.Opened opened = CheckpointNotes.open(jwks, tileCheckpoint(tiles), policy(options));
        if (!opened.ok()) {
            return print(new Report("the log at " + tiles.location(), opened.checks()), out, false);
        }
        CheckpointNote checkpoint = opened.checkpoint().orElseThrow();
        long size = checkpoint.treeSize();
        long from = options.number("from", 0);
        if (from > size) {
            throw new UsageException("--from " + from + " lies past the checkpoint's " + size + " entries");
        }
        LogAudit audit = new LogAudit(jwks, from);
        TiledSubtrees tree = tiles.subtrees(size);
        for (long n = 0; n * Tile.WIDTH < size; n++) {
            Tile tile = Tile.inTree(0, n, size).orElseThrow();
            try {
                audit.add(tiles.entries(tile, tree));
            } catch (IOException | UncheckedIOException e) {
                throw new InputException("cannot read " + tile.entriesPath() + " or its tile: " + e.getMessage());
            } catch (InvalidProofException e) {
                throw new MalformedAuditDataException(tile.entriesPath() + ": " + e.getMessage(), e);
            }
        }
        return print(audit.finish(opened.checks(), size, checkpoint.rootHash()), out, false);
    }

    /**
     * With --tiles, the bundle's checkpoint must lie on the history of the tiles' checkpoint note, itself cosigned
     * as the witness policy demands: what catches a bundle taken from a fork of the log.
     */
    private static Report witnessed(Report report, JWKSet jwks, AuditBundle bundle, Options options)
            throws UsageException, InputException {
        if (!options.has("tiles")) {
            if (options.has("witness") || options.has("witnesses-required")) {
                throw new UsageException("a witness policy needs --tiles, where the cosigned checkpoint is published");
            }
            return report;
        }
        TileReader tiles = tiles(options);
        CheckpointNotes.Opened opened = CheckpointNotes.open(jwks, tileCheckpoint(tiles), policy(options));
        List<Check> checks = new ArrayList<>(report.checks());
        checks.addAll(opened.checks());
        if (opened.ok()) {
            CheckpointNote witnessed = opened.checkpoint().orElseThrow();
            try {
                checks.add(Witnessed.consistency(bundle.checkpoint(), witnessed, tiles.subtrees(witnessed.treeSize())));
            } catch (UncheckedIOException e) {
                throw new InputException("cannot read the tiles at " + tiles.location() + ": " + e.getMessage());
            }
        }
        return new Report(report.subject(), checks);
    }

    private static TileReader tiles(Options options) throws UsageException {
        try {
            return TileReader.open(options.get("tiles"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--tiles: " + e.getMessage());
        }
    }

    private static String tileCheckpoint(TileReader tiles) throws InputException {
        try {
            return tiles.checkpoint();
        } catch (IOException e) {
            throw new InputException("cannot read the checkpoint at " + tiles.location() + ": " + e.getMessage());
        }
    }

    /** The operator's keys from a file, or from the operator's public JWKS endpoint. */
    private static JWKSet publicJwks(Options options) throws UsageException, InputException {
        if (options.has("jwks")) {
            return jwks(readFile(options.get("jwks")), options.get("jwks"));
        }
        if (options.has("operator")) {
            return jwks(new Operator(options.get("operator"), null).get("/.well-known/jwks.json", false),
                    "the operator's JWKS");
        }
        throw new UsageException("--tiles needs the operator's keys: --jwks FILE or --operator URL");
    }

    static WitnessPolicy policy(Options options) throws UsageException {
        List<WitnessKey> witnesses = new ArrayList<>();
        for (String vkey : options.all("witness")) {
            try {
                witnesses.add(WitnessKey.fromVerifierKey(vkey));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--witness " + vkey + ": " + e.getMessage());
            }
        }
        long required = options.number("witnesses-required", witnesses.size());
        if (required > witnesses.size() || (required == 0 && !witnesses.isEmpty())) {
            throw new UsageException("--witnesses-required must be 1 to the number of --witness keys ("
                    + witnesses.size() + ")");
        }
        try {
            return new WitnessPolicy(witnesses, (int) required);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    // ---- output ----------------------------------------------------------------------------------------

    private static int print(Report report, PrintStream out, boolean noKeptCheckpoint) {
        out.println("Verifying " + report.subject());
        for (Check check : report.checks()) {
            out.println(line(check));
        }
        if (noKeptCheckpoint) {
            out.println("note: no kept checkpoint given, so this run cannot show that the history was not rewritten "
                    + "since an earlier visit; keep this bundle's checkpoint and pass it next time");
        }
        List<Check> failures = report.failures();
        if (report.ok()) {
            out.println("Result: PASSED, all " + report.checks().size() + " checks");
            return OK;
        }
        out.println("Result: FAILED, " + failures.size() + " of " + report.checks().size() + " checks failed:");
        failures.forEach(f -> out.println(line(f)));
        return FAILED;
    }

    private static String line(Check check) {
        return String.format("%s  %-17s %s", check.passed() ? "PASS" : "FAIL", check.name(), check.detail());
    }

    // ---- input ---------------------------------------------------------------------------------------

    private static JWKSet jwks(String text, String what) throws InputException {
        try {
            return JWKSet.parse(text);
        } catch (ParseException e) {
            throw new InputException(what + " is not a JWKS: " + e.getMessage());
        }
    }

    private static String readFile(String path) throws InputException {
        try {
            return Files.readString(Path.of(path), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InputException("cannot read " + path + ": no such file");
        } catch (IOException e) {
            throw new InputException("cannot read " + path + ": " + e);
        }
    }

    private static void write(Path file, String text) throws InputException {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InputException("cannot write " + file + ": " + e.getMessage());
        }
    }

    private static String token(Options options) throws UsageException {
        String token = options.has("token") ? options.get("token") : System.getenv(TOKEN_VARIABLE);
        if (token == null || token.isBlank()) {
            throw new UsageException("an auditor's access token is needed: --token or " + TOKEN_VARIABLE);
        }
        return token;
    }

    private static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8);
    }

    /** The operator's HTTP API, read with the auditor's token. */
    private static final class Operator {
        private final String base;
        private final String token;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();

        Operator(String base, String token) throws UsageException {
            if (!base.startsWith("https://") && !base.startsWith("http://")) {
                throw new UsageException("--operator must be an http(s) URL, not '" + base + "'");
            }
            this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
            this.token = token;
        }

        String get(String path, boolean authorised) throws InputException {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(60))
                    .header("Accept", "application/json").GET();
            if (authorised) {
                request.header("Authorization", "Bearer " + token);
            }
            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new InputException("GET " + base + path + " failed: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InputException("interrupted while fetching " + base + path);
            }
            if (response.statusCode() != 200) {
                String body = response.body() == null ? "" : response.body().strip();
                throw new InputException("GET " + base + path + " answered " + response.statusCode()
                        + (body.isEmpty() ? "" : ": " + (body.length() > 300 ? body.substring(0, 300) + "..." : body)));
            }
            return response.body();
        }
    }

    // ---- arguments -----------------------------------------------------------------------------------

    /** {@code --name value} pairs after the mode; only {@code --witness} may be given more than once. */
    private static final class Options {
        private static final Set<String> REPEATABLE = Set.of("witness");
        private final Map<String, List<String>> values = new HashMap<>();

        static Options parse(String[] args) throws UsageException {
            Options options = new Options();
            for (int i = 1; i < args.length; i += 2) {
                if (!args[i].startsWith("--") || args[i].length() < 3) {
                    throw new UsageException("expected an option like --bundle, not '" + args[i] + "'");
                }
                if (i + 1 >= args.length) {
                    throw new UsageException(args[i] + " needs a value");
                }
                String name = args[i].substring(2);
                List<String> given = options.values.computeIfAbsent(name, n -> new ArrayList<>());
                if (!given.isEmpty() && !REPEATABLE.contains(name)) {
                    throw new UsageException(args[i] + " is given twice");
                }
                given.add(args[i + 1]);
            }
            return options;
        }

        List<String> all(String name) {
            return values.getOrDefault(name, List.of());
        }

        void allow(String... names) throws UsageException {
            Set<String> allowed = Set.of(names);
            for (String name : values.keySet()) {
                if (!allowed.contains(name)) {
                    throw new UsageException("--" + name + " does not belong here");
                }
            }
        }

        boolean has(String name) {
            return values.containsKey(name);
        }

        String get(String name) {
            List<String> given = values.get(name);
            return given == null ? null : given.get(0);
        }

        String required(String name) throws UsageException {
            if (!has(name)) {
                throw new UsageException("--" + name + " is required");
            }
            return get(name);
        }

        long number(String name, long otherwise) throws UsageException {
            if (!has(name)) {
                return otherwise;
            }
            try {
                long value = Long.parseLong(get(name));
                if (value < 0) {
                    throw new NumberFormatException();
                }
                return value;
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " must be a whole number, not '" + get(name) + "'");
            }
        }
    }

    /** The command line is wrong; the usage text follows the message. */
    private static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    /** A file or an HTTP resource could not be had: nothing was verified. */
    private static final class InputException extends Exception {
        InputException(String message) {
            super(message);
        }
    }
}
