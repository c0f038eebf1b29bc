package org.mydata.operator.gateway.statistics;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.ConsentsEndedException;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.failure.ForbiddenException;
import org.mydata.operator.gateway.broker.Broker;
import org.mydata.operator.gateway.broker.Released;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.json.Json;
import org.mydata.operator.permit.CohortMember;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.Permits.UsablePermit;
import org.mydata.operator.programme.DisclosureSettings;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.release.Grant;
import org.mydata.operator.statistics.PersonRows;
import org.mydata.operator.statistics.RecordKeyStore;
import org.mydata.operator.statistics.StatisticalAnswer;
import org.mydata.operator.statistics.StatisticalAnswers;
import org.mydata.operator.statistics.StatisticsStore;

/**
 * Answers a permit's statistical request (docs/statistics.md, "Who is counted", "The store"):
 *
 * <ol>
 *   <li>who is counted is the cohort of this instant, per type, by the one release policy ({@link Cohorts}, as
 *       for records): a person is counted when the permit may read every type the request uses of theirs; anyone
 *       else's rows are deleted from the store at once;</li>
 *   <li>a person counted for the first time, or whose consents, links or sources changed since they were read,
 *       is read from the sources as an export reads ({@link Broker#readForStatistics}) and stored de-identified
 *       with true dates;</li>
 *   <li>each ViewDefinition's rows are made once per person and kept by the view's hash, so a repeated request
 *       parses nothing; the rows of a person read now are made from the resources as they are read (each
 *       resource is parsed once, by the read), those of a view new to a person already stored from what is
 *       stored;</li>
 *   <li>the engine aggregates and protects; the answer is an access event of the persons counted and a signed
 *       record, logged together ({@link StatisticalAnswers}). A consent that ended meanwhile takes its person out
 *       and the answer is made again.</li>
 * </ol>
 */
public final class StatisticsAnswering {
    /** The rule a refusal names when the request reaches outside its permit. */
    public static final String PERMIT_SCOPE_RULE = "permit-scope";
    /** Persons whose stored resources are parsed for a view at a time. */
    private static final int PERSONS_PER_BATCH = 100;

    private final FhirContext fhir;
    private final Broker broker;
    private final Cohorts cohorts;
    private final StatisticsStore store;
    private final RecordKeyStore recordKeys;
    private final StatisticalAnswers answers;
    private final ProgrammeRegistry programmes;
    private final Clock clock;

    public StatisticsAnswering(FhirContext fhir, Broker broker, Cohorts cohorts, StatisticsStore store,
                               RecordKeyStore recordKeys, StatisticalAnswers answers, ProgrammeRegistry programmes,
                               Clock clock) {
        this.fhir = fhir;
        this.broker = broker;
        this.cohorts = cohorts;
        this.store = store;
        this.recordKeys = recordKeys;
        this.answers = answers;
        this.programmes = programmes;
        this.clock = clock;
    }

    /** The answer as its researcher receives it: the content (which the record signs) and the record. */
    public record Answer(Map<String, Object> content, String record) {
        /** The content and its record, as one JSON object. */
        public Map<String, Object> json() {
            Map<String, Object> json = new LinkedHashMap<>(content);
            json.put("record", record);
            return json;
        }
    }

    /**
     * @param caller the researcher, as the access event names them
     * @throws org.mydata.operator.failure.InvalidRequestException naming what is wrong with the request
     * @throws ForbiddenException when the request uses a type outside the permit
     * @throws org.mydata.operator.failure.LimitReachedException when the permit's answers for the day are used up
     */
    public Answer answer(UsablePermit usable, String caller, String requestJson) {
        Permit permit = usable.permit();
        // Compiled against every brokered type, so that a type the permit lacks is told apart from a wrong one.
        StatisticsQuery query = StatisticsQuery.compile(fhir, requestJson, Set.copyOf(BrokeredTypes.names()));
        List<String> types = List.copyOf(new LinkedHashSet<>(query.resourceTypes()));
        List<String> outside = types.stream().filter(t -> !permit.scope().resourceTypes().contains(t)).toList();
        if (!outside.isEmpty()) {
            throw new ForbiddenException(PERMIT_SCOPE_RULE, "the permit does not cover " + String.join(", ", outside)
                    + "; it covers " + String.join(", ", permit.scope().resourceTypes()));
        }
        DisclosureSettings settings = programmes.get(permit.programmeId()).disclosure();
        answers.checkLimit(permit.id(), settings.answersPerDay(), clock.instant());
        Instant now = clock.instant();
        LocalDate referenceDate = now.atOffset(ZoneOffset.UTC).toLocalDate();

        // 1. Who is counted now, by the release policy, per type; everyone else leaves the store.
        Map<String, Map<UUID, List<CohortMember>>> membersByType = new LinkedHashMap<>();
        Set<UUID> counted = null;
        for (String type : types) {
            Map<UUID, List<CohortMember>> byAccount = new LinkedHashMap<>();
            for (CohortMember member : cohorts.of(permit, type, now)) {
                List<CohortMember> members = byAccount.computeIfAbsent(member.accountId(), a -> new ArrayList<>());
                // A person's Patient is read from the first of their sources only, as the gateway reads it.
                if (members.isEmpty() || !BrokeredTypes.of(type).isPatient()) {
                    members.add(member);
                }
            }
            membersByType.put(type, byAccount);
            if (counted == null) {
                counted = new LinkedHashSet<>(byAccount.keySet());
            } else {
                counted.retainAll(byAccount.keySet());
            }
        }
        counted = counted == null ? new LinkedHashSet<>() : counted;
        store.keepOnly(permit.id(), counted);
        Map<UUID, UUID> personKeys = store.personKeys(permit.id(), counted);

        // 2. Read whoever is new, or changed, since they were read; their views' rows are made as they are read.
        Map<String, List<CompiledView>> viewsByType = new LinkedHashMap<>();
        Set<String> hashes = new HashSet<>();
        for (CompiledView view : query.views()) {
            if (hashes.add(view.hash())) {
                viewsByType.computeIfAbsent(view.resourceType(), t -> new ArrayList<>()).add(view);
            }
        }
        Map<UUID, Map<String, Integer>> resourceCounts = new HashMap<>();
        Map<String, Map<UUID, List<Map<String, Object>>>> madeWhileRead = new HashMap<>();
        for (String type : types) {
            readWhatIsMissing(usable, type, membersByType.get(type), counted, personKeys, resourceCounts, now,
                    viewsByType.getOrDefault(type, List.of()), madeWhileRead);
        }

        // 3. Each view's rows, made once per person and view.
        Map<String, Map<UUID, List<Map<String, Object>>>> rowsByView = new LinkedHashMap<>();
        for (CompiledView view : query.views()) {
            if (!rowsByView.containsKey(view.hash())) {
                rowsByView.put(view.hash(), viewRows(view, personKeys.values(),
                        madeWhileRead.getOrDefault(view.hash(), Map.of())));
            }
        }

        // 4. Aggregate, protect, log and sign; again without anyone whose consent ended meanwhile.
        Map<UUID, Double> keys = recordKeys.of(counted);
        Set<UUID> persons = new LinkedHashSet<>(counted);
        while (true) {
            List<PersonRows> rows = new ArrayList<>(persons.size());
            List<PersonAccess> accesses = new ArrayList<>(persons.size());
            int resourceCount = 0;
            for (UUID account : persons) {
                UUID personKey = personKeys.get(account);
                Map<String, List<Map<String, Object>>> byView = new HashMap<>();
                rowsByView.forEach((hash, all) -> byView.put(hash, all.getOrDefault(personKey, List.of())));
                rows.add(new PersonRows(personKey, keys.get(account), byView));
                int count = resourceCounts.getOrDefault(account, Map.of()).values().stream()
                        .mapToInt(Integer::intValue).sum();
                resourceCount += count;
                accesses.addAll(reliedOn(account, membersByType, count));
            }
            StatisticalAnswer answer = query.answer(rows, settings, referenceDate);
            AccessEvent event = new AccessEvent(UUID.randomUUID(), permit.id(), caller,
                    AccessMode.STATISTICS_INTERACTION, types, resourceCount, accesses, now);
            try {
                StatisticalAnswers.Signed signed = answers.record(event, query.requestHash(),
                        settings.answersPerDay(), eventLogIndex -> content(answer, permit.id(), eventLogIndex));
                return new Answer(signed.answer(), signed.record());
            } catch (ConsentsEndedException ended) {
                // Each round takes at least one person out, so this ends.
                persons.removeIf(account -> membersByType.values().stream()
                        .flatMap(byAccount -> byAccount.getOrDefault(account, List.of()).stream())
                        .flatMap(m -> m.grants().stream()).anyMatch(g -> ended.consentIds().contains(g.id())));
            }
        }
    }

    /** The answer's content: the engine's table, and what it is based on. */
    static Map<String, Object> content(StatisticalAnswer answer, UUID permitId, long eventLogIndex) {
        Map<String, Object> content = new LinkedHashMap<>(answer.toJson());
        Map<String, Object> basedOn = new LinkedHashMap<>();
        basedOn.put("permitId", permitId.toString());
        basedOn.put("checkpoint", eventLogIndex);
        content.put("basedOn", basedOn);
        return content;
    }

    /**
     * The person's rows of the access event: each grant (consent, or link under an opt-out basis) the answer relies
     * on for them, the first carrying their resources.
     */
    private static List<PersonAccess> reliedOn(UUID account, Map<String, Map<UUID, List<CohortMember>>> membersByType,
                                               int resourceCount) {
        Map<UUID, Grant> grants = new LinkedHashMap<>();
        for (Map<UUID, List<CohortMember>> byAccount : membersByType.values()) {
            for (CohortMember member : byAccount.getOrDefault(account, List.of())) {
                member.grants().forEach(g -> grants.putIfAbsent(g.id(), g));
            }
        }
        List<PersonAccess> accesses = new ArrayList<>();
        int remaining = resourceCount;
        for (Grant grant : grants.values()) {
            accesses.add(grant.access(remaining));
            remaining = 0;
        }
        return accesses;
    }

    /**
     * Reads from the sources every counted person the store holds nothing of for the type, or holds under other
     * grants or from other sources than their cohort membership now names; counts what is held of everyone.
     * The rows of the type's {@code views} are made of each resource as it is read, into {@code madeWhileRead}
     * (by view hash, then person key; a person read now with nothing of the type has no rows), so that the
     * resources just stored need not be read back and parsed again.
     */
    private void readWhatIsMissing(UsablePermit permit, String type, Map<UUID, List<CohortMember>> byAccount,
                                   Set<UUID> counted, Map<UUID, UUID> personKeys,
                                   Map<UUID, Map<String, Integer>> resourceCounts, Instant now,
                                   List<CompiledView> views,
                                   Map<String, Map<UUID, List<Map<String, Object>>>> madeWhileRead) {
        Map<UUID, List<StatisticsStore.Held>> held = store.held(type, personKeys.values());
        List<CohortMember> toRead = new ArrayList<>();
        List<UUID> stale = new ArrayList<>();
        for (UUID account : counted) {
            List<CohortMember> members = byAccount.get(account);
            UUID personKey = personKeys.get(account);
            List<StatisticsStore.Held> have = held.getOrDefault(personKey, List.of());
            if (isCurrent(members, have)) {
                resourceCounts.computeIfAbsent(account, a -> new HashMap<>()).put(type,
                        have.stream().mapToInt(StatisticsStore.Held::resourceCount).sum());
            } else {
                toRead.addAll(members);
                if (!have.isEmpty()) {
                    stale.add(personKey);
                }
            }
        }
        if (toRead.isEmpty()) {
            return;
        }
        store.forget(type, stale);
        for (CompiledView view : views) {
            Map<UUID, List<Map<String, Object>>> rows = madeWhileRead.computeIfAbsent(view.hash(), h -> new HashMap<>());
            for (CohortMember member : toRead) {
                rows.computeIfAbsent(personKeys.get(member.accountId()), k -> new ArrayList<>());
            }
        }
        IParser parser = fhir.newJsonParser();
        Map<StoredKey, Accumulated> pending = new LinkedHashMap<>();
        Set<StoredKey> stored = new HashSet<>();
        broker.readForStatistics(permit, type, toRead, page -> {
            for (Released released : page) {
                CohortMember member = released.member();
                StoredKey key = new StoredKey(member.accountId(), member.sourceId());
                pending.computeIfAbsent(key, k -> new Accumulated(grantIds(member)))
                        .add(parser.encodeResourceToString(released.resource()));
                UUID personKey = personKeys.get(member.accountId());
                for (CompiledView view : views) {
                    madeWhileRead.get(view.hash()).get(personKey).addAll(view.rows(released.resource()));
                }
            }
        }, () -> {
            flush(type, pending, personKeys, now, false);
            stored.addAll(pending.keySet());
            pending.keySet().forEach(k -> resourceCounts.computeIfAbsent(k.accountId(), a -> new HashMap<>())
                    .merge(type, pending.get(k).count, Integer::sum));
            pending.clear();
        });
        // Whoever had nothing of the type at a source is stored as such, so they are not read again.
        for (CohortMember member : toRead) {
            StoredKey key = new StoredKey(member.accountId(), member.sourceId());
            if (!stored.contains(key)) {
                pending.put(key, new Accumulated(grantIds(member)));
                resourceCounts.computeIfAbsent(member.accountId(), a -> new HashMap<>()).merge(type, 0, Integer::sum);
            }
        }
        flush(type, pending, personKeys, now, true);
    }

    /** Whether the store holds the person's type from exactly their member sources, under the same grants. */
    private static boolean isCurrent(List<CohortMember> members, List<StatisticsStore.Held> have) {
        if (have.size() != members.size()) {
            return false;
        }
        Map<UUID, List<UUID>> grantsBySource = new HashMap<>();
        have.forEach(h -> grantsBySource.put(h.sourceId(), h.grantIds()));
        for (CohortMember member : members) {
            if (!Objects.equals(grantsBySource.get(member.sourceId()), grantIds(member))) {
                return false;
            }
        }
        return true;
    }

    private static List<UUID> grantIds(CohortMember member) {
        return member.grants().stream().map(Grant::id).sorted().toList();
    }

    private record StoredKey(UUID accountId, UUID sourceId) {
    }

    /** One person's resources of one type at one source, as gzipped NDJSON while they are read. */
    private static final class Accumulated {
        final List<UUID> grantIds;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final Writer out;
        int count;

        Accumulated(List<UUID> grantIds) {
            this.grantIds = grantIds;
            try {
                out = new OutputStreamWriter(new GZIPOutputStream(bytes), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void add(String json) {
            try {
                out.write(json);
                out.write('\n');
                count++;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        byte[] finish() {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }
    }

    private void flush(String type, Map<StoredKey, Accumulated> pending, Map<UUID, UUID> personKeys, Instant at,
                       boolean onlyNew) {
        List<StatisticsStore.Read> reads = new ArrayList<>(pending.size());
        pending.forEach((key, accumulated) -> reads.add(new StatisticsStore.Read(personKeys.get(key.accountId()),
                key.sourceId(), accumulated.grantIds, accumulated.count, accumulated.finish())));
        store.put(type, reads, at, onlyNew);
    }

    /**
     * The view's rows of each person: those made while the person was read now ({@code madeWhileRead}), from the
     * store where they were made before; made now, from the stored resources, for the persons who have none yet.
     * Rows made now are stored for the next answer, and all are taken as stored (numbers as the store gives them).
     */
    private Map<UUID, List<Map<String, Object>>> viewRows(CompiledView view, Collection<UUID> personKeys,
                                                          Map<UUID, List<Map<String, Object>>> madeWhileRead) {
        Map<UUID, String> stored = new HashMap<>(store.viewRows(view.hash(), personKeys));
        Map<UUID, String> justRead = new HashMap<>();
        madeWhileRead.forEach((personKey, rows) -> justRead.put(personKey, RowCodec.write(rows)));
        store.putViewRows(view.hash(), justRead);
        stored.putAll(justRead);
        List<UUID> missing = personKeys.stream().filter(k -> !stored.containsKey(k)).toList();
        IParser parser = fhir.newJsonParser();
        // In batches of persons: what is held in memory at once follows the batch, not the cohort.
        for (int from = 0; from < missing.size(); from += PERSONS_PER_BATCH) {
            List<UUID> batch = missing.subList(from, Math.min(missing.size(), from + PERSONS_PER_BATCH));
            Map<UUID, String> made = new HashMap<>();
            Map<UUID, List<byte[]>> resources = store.resources(view.resourceType(), batch);
            for (UUID personKey : batch) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (byte[] gz : resources.getOrDefault(personKey, List.of())) {
                    for (String line : lines(gz)) {
                        IBaseResource resource = parser.parseResource(line);
                        rows.addAll(view.rows(resource));
                    }
                }
                made.put(personKey, RowCodec.write(rows));
            }
            store.putViewRows(view.hash(), made);
            stored.putAll(made);
        }
        Map<UUID, List<Map<String, Object>>> rows = new HashMap<>();
        stored.forEach((key, json) -> rows.put(key, RowCodec.read(json)));
        return rows;
    }

    private static List<String> lines(byte[] gz) {
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                new ByteArrayInputStream(gz)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isEmpty()) {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a stored read could not be decompressed", e);
        }
        return lines;
    }

    /**
     * Views' rows as stored JSON: numbers go as JSON numbers and come back as {@link BigDecimal}, as the engine
     * reads numbers; strings (dates among them, as FHIR writes them) and booleans as they are.
     */
    static final class RowCodec {
        private RowCodec() {
        }

        static String write(List<Map<String, Object>> rows) {
            List<Map<String, Object>> plain = new ArrayList<>(rows.size());
            for (Map<String, Object> row : rows) {
                Map<String, Object> out = new LinkedHashMap<>();
                row.forEach((column, value) -> out.put(column, value == null || value instanceof Number
                        || value instanceof Boolean || value instanceof String ? value : value.toString()));
                plain.add(out);
            }
            return Json.write(Map.of("rows", plain));
        }

        @SuppressWarnings("unchecked")
        static List<Map<String, Object>> read(String json) {
            List<Object> stored = (List<Object>) Json.read(json).get("rows");
            List<Map<String, Object>> rows = new ArrayList<>(stored.size());
            for (Object row : stored) {
                Map<String, Object> values = new LinkedHashMap<>();
                ((Map<String, Object>) row).forEach((column, value) -> values.put(column, value instanceof Long l
                        ? BigDecimal.valueOf(l) : value instanceof Number n ? new BigDecimal(n.toString()) : value));
                rows.add(values);
            }
            return rows;
        }
    }
}
