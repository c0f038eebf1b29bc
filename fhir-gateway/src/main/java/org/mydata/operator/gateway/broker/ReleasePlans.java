package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.util.FhirTerser;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.gateway.pseudonym.Pseudonymiser;
import org.mydata.operator.gateway.pseudonym.ReleasePlan;
import org.mydata.operator.gateway.registry.BrokeredType;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.gateway.source.SourceReader;
import org.mydata.operator.gateway.source.UpstreamReads;
import org.mydata.operator.permit.CohortMember;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.PermitPseudonyms;
import org.mydata.operator.permit.Permits.PseudonymKey;
import org.mydata.operator.permit.Permits.UsablePermit;
import org.mydata.operator.permit.ReleasePlanStore;
import org.mydata.operator.release.PermitTerms;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;

/**
 * Each records permit's release plan: surveyed from the cohort's data at the sources (what the release policy
 * would let go, before de-identification), computed by {@link ReleasePlan}, stored with the permit, and made
 * again when the cohort changes: a person not in the plan joins, a person leaves, or the year turns (the top
 * code moves). The cohort is compared at most once per {@link #RECHECK}; until a plan covers a person, nothing of
 * theirs is released (fail closed). Also surveys a request's prospective cohort for the steward's risk report.
 */
public final class ReleasePlans {
    /** How long a plan is used without looking at the cohort again. */
    static final Duration RECHECK = Duration.ofSeconds(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Cohorts cohorts;
    private final SourceRegistry sources;
    private final SourceReader reader;
    private final UpstreamReads upstream;
    private final ReleasePlanStore store;
    private final Clock clock;
    private final Duration deadline;
    private final int patientsPerRequest;
    private final FhirTerser terser = new FhirTerser(FhirContext.forR4Cached());
    private final Map<UUID, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(ReleasePlan plan, String cohort, Instant checkedAt) {
    }

    public ReleasePlans(Cohorts cohorts, SourceRegistry sources, SourceReader reader, UpstreamReads upstream,
                        ReleasePlanStore store, Clock clock, Duration deadline, int patientsPerRequest) {
        this.cohorts = cohorts;
        this.sources = sources;
        this.reader = reader;
        this.upstream = upstream;
        this.store = store;
        this.clock = clock;
        this.deadline = deadline;
        this.patientsPerRequest = patientsPerRequest;
    }

    /** The permit's plan for its cohort of now, surveyed afresh if that cohort is not the one it was made for. */
    public ReleasePlan of(UsablePermit permit) {
        Instant now = clock.instant();
        UUID id = permit.permit().id();
        Cached cached = cache.get(id);
        if (cached != null && now.isBefore(cached.checkedAt().plus(RECHECK))) {
            return cached.plan();
        }
        synchronized (lock(id)) {
            cached = cache.get(id);
            if (cached != null && now.isBefore(cached.checkedAt().plus(RECHECK))) {
                return cached.plan();
            }
            Map<String, List<CohortMember>> byType = byType(permit.permit(), now);
            Map<UUID, CohortMember> members = union(permit.permit(), byType);
            int k = store.kFor(permit.permit().programmeId(), members.size());
            String fingerprint = fingerprint(members, k, today());
            if (cached == null || !cached.cohort().equals(fingerprint)) {
                Optional<ReleasePlanStore.Stored> stored = store.find(id);
                if (stored.isPresent() && stored.get().cohort().equals(fingerprint)) {
                    cached = new Cached(ReleasePlan.fromJson(stored.get().plan()), fingerprint, now);
                } else {
                    ReleasePlan plan = survey(permit.permit(), members, byType, new PermitPseudonyms(permit.key()), k);
                    store.save(id, fingerprint, plan.toJson(), now);
                    cached = new Cached(plan, fingerprint, now);
                }
            } else {
                cached = new Cached(cached.plan(), fingerprint, now);
            }
            cache.put(id, cached);
            return cached.plan();
        }
    }

    /**
     * The plan a permit would get if the request were approved now, for the steward's risk report: the same survey
     * of the same cohort query, with a throwaway key (no tag it makes is kept).
     */
    public ReleasePlan assess(Permit prospective) {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        Map<String, List<CohortMember>> byType = byType(prospective, clock.instant());
        Map<UUID, CohortMember> members = union(prospective, byType);
        return survey(prospective, members, byType, new PermitPseudonyms(new PseudonymKey(key)),
                store.kFor(prospective.programmeId(), members.size()));
    }

    private final Map<UUID, Object> locks = new ConcurrentHashMap<>();

    private Object lock(UUID permitId) {
        return locks.computeIfAbsent(permitId, p -> new Object());
    }

    private LocalDate today() {
        return clock.instant().atOffset(ZoneOffset.UTC).toLocalDate();
    }

    /** The cohort of each type the permit reads that the gateway brokers, from one read of the cohort. */
    private Map<String, List<CohortMember>> byType(Permit permit, Instant now) {
        return cohorts.ofTypes(permit, permit.scope().resourceTypes().stream()
                .filter(type -> BrokeredTypes.named(type).isPresent()).toList(), now);
    }

    /** Everyone the permit may read any type of now, each at the first source of theirs (their Patient's). */
    private static Map<UUID, CohortMember> union(Permit permit, Map<String, List<CohortMember>> byType) {
        Map<UUID, CohortMember> members = new LinkedHashMap<>();
        for (String type : permit.scope().resourceTypes()) {
            for (CohortMember member : byType.getOrDefault(type, List.of())) {
                members.putIfAbsent(member.accountId(), member);
            }
        }
        return members;
    }

    /** A plan's persons by the pseudonym of their Patient in the permit: computed once per plan. */
    private record PersonIndex(ReleasePlan plan, Map<String, UUID> byPseudonym) {
    }

    private final Map<UUID, PersonIndex> personIndexes = new ConcurrentHashMap<>();

    /**
     * The persons of the plan whose Patient in this permit has one of the pseudonyms: how a search about given
     * patients finds whom to check without reading the cohort (pseudonyms cannot be reversed, so the plan's
     * persons are named once, when the plan is new to this node). Only persons the plan covers are found, and only
     * they could be released: a person the plan does not cover yet is withheld either way.
     *
     * @param plan the plan the request's pseudonymiser applies (null: nobody)
     */
    public Set<UUID> personsNamed(UsablePermit permit, ReleasePlan plan, Collection<String> pseudonyms) {
        if (plan == null || pseudonyms.isEmpty()) {
            return Set.of();
        }
        UUID id = permit.permit().id();
        PersonIndex index = personIndexes.get(id);
        if (index == null || index.plan() != plan) {
            PermitPseudonyms names = new PermitPseudonyms(permit.key());
            Map<String, UUID> byPseudonym = new HashMap<>();
            for (UUID account : plan.persons().keySet()) {
                byPseudonym.put(names.person(account), account);
            }
            index = new PersonIndex(plan, byPseudonym);
            personIndexes.put(id, index);
        }
        Set<UUID> persons = new HashSet<>();
        for (String pseudonym : pseudonyms) {
            UUID account = index.byPseudonym().get(pseudonym);
            if (account != null) {
                persons.add(account);
            }
        }
        return persons;
    }

    private static String fingerprint(Map<UUID, CohortMember> members, int k, LocalDate today) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(("k=" + k + "|year=" + today.getYear()).getBytes(StandardCharsets.UTF_8));
            for (UUID account : new TreeSet<>(members.keySet())) {
                digest.update(("|" + account).getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads the cohort's Patients (for the demographic quasi-identifiers and the days an outsider may know) and,
     * of every type the permit reads, what the release policy would let go (for the codes each person holds; an
     * Observation only in a category the scope names), and computes the plan.
     */
    private ReleasePlan survey(Permit permit, Map<UUID, CohortMember> members,
                               Map<String, List<CohortMember>> cohortOf, PermitPseudonyms pseudonyms, int k) {
        Instant at = clock.instant();
        PermitTerms terms = PermitTerms.of(permit);
        Map<UUID, Patient> patients = new HashMap<>();
        Map<UUID, Set<String>> codes = new HashMap<>();
        members.keySet().forEach(a -> codes.put(a, new HashSet<>()));
        // Demographics from the Patient at the first source of each person, whatever the permit's types; the days
        // an outsider may know (birth, death) from the Patient at EVERY source the permit reads of them: a death
        // recorded at a second source gives the offset away as well as one at the first.
        Map<String, CohortMember> everySource = new LinkedHashMap<>();
        members.values().forEach(m -> everySource.put(m.sourceId() + "|" + m.surrogateId(), m));
        for (List<CohortMember> ofType : cohortOf.values()) {
            ofType.forEach(m -> everySource.putIfAbsent(m.sourceId() + "|" + m.surrogateId(), m));
        }
        Map<UUID, List<LocalDate>> knownDays = new HashMap<>();
        read("Patient", List.copyOf(everySource.values()), (member, resource) -> {
            Patient patient = (Patient) resource;
            CohortMember first = members.get(member.accountId());
            if (first != null && first.sourceId().equals(member.sourceId())) {
                patients.put(member.accountId(), patient);
            }
            List<LocalDate> days = knownDays.computeIfAbsent(member.accountId(), a -> new ArrayList<>());
            days.add(day(patient.getBirthDateElement()));
            if (patient.hasDeceasedDateTimeType()) {
                days.add(day(patient.getDeceasedDateTimeType()));
            }
        });
        Set<String> categories = Set.copyOf(permit.scope().releasedObservationCategories());
        for (String type : permit.scope().resourceTypes()) {
            Optional<BrokeredType> brokered = BrokeredTypes.named(type);
            if (brokered.isEmpty() || brokered.get().isPatient()) {
                continue;
            }
            read(type, cohortOf.get(type), (member, resource) -> {
                LocalDate day = brokered.get().clinicalDay(resource).orElse(null);
                if (Broker.grantFor(terms, member, type, day, at).isEmpty()) {
                    return;
                }
                if (resource instanceof Observation observation) {
                    List<Coding> kinds = observation.getCategory().stream().flatMap(c -> c.getCoding().stream())
                            .filter(c -> Pseudonymiser.OBSERVATION_CATEGORY.equals(c.getSystem())).toList();
                    if (kinds.isEmpty() || !kinds.stream().allMatch(c -> categories.contains(c.getCode()))) {
                        return;
                    }
                }
                Set<String> held = codes.get(member.accountId());
                for (Coding coding : terser.getAllPopulatedChildElementsOfType(resource, Coding.class)) {
                    if (coding.hasSystem() && coding.hasCode()) {
                        held.add(coding.getSystem() + "|" + coding.getCode());
                    }
                }
            });
        }
        List<ReleasePlan.Surveyed> surveyed = new ArrayList<>();
        for (UUID account : members.keySet()) {
            Patient patient = patients.get(account);
            LocalDate born = patient == null || !patient.hasBirthDate() ? null
                    : LocalDate.of(patient.getBirthDateElement().getYear(),
                    patient.getBirthDateElement().getMonth() + 1, patient.getBirthDateElement().getDay());
            Set<String> guarded = ReleasePlan.guardedDays(pseudonyms, account,
                    knownDays.getOrDefault(account, List.of()));
            boolean deceased = false;
            if (patient != null && patient.hasDeceasedDateTimeType()) {
                deceased = true;
            } else if (patient != null && patient.hasDeceasedBooleanType()) {
                deceased = patient.getDeceasedBooleanType().booleanValue();
            }
            String sex = patient == null || !patient.hasGender() ? null : patient.getGender().toCode();
            String country = patient == null ? null : patient.getAddress().stream()
                    .filter(a -> a.hasCountry()).map(a -> a.getCountry()).findFirst().orElse(null);
            surveyed.add(new ReleasePlan.Surveyed(account, born, sex, deceased, country, codes.get(account), guarded));
        }
        return ReleasePlan.of(surveyed, k, today());
    }

    /** The calendar day of a date with a day, else null (a year or month alone names no day to guard). */
    private static LocalDate day(org.hl7.fhir.r4.model.BaseDateTimeType date) {
        return date == null || date.getYear() == null || date.getMonth() == null || date.getDay() == null
                || date.getPrecision().ordinal() < ca.uhn.fhir.model.api.TemporalPrecisionEnum.DAY.ordinal() ? null
                : LocalDate.of(date.getYear(), date.getMonth() + 1, date.getDay());
    }

    private interface Found {
        void accept(CohortMember member, Resource resource);
    }

    /** Reads a type of the given persons from their sources, chunk by chunk, each resource to {@code found}. */
    private void read(String type, List<CohortMember> cohort, Found found) {
        BrokeredType brokered = BrokeredTypes.of(type);
        Map<UUID, Map<String, CohortMember>> bySource = new LinkedHashMap<>();
        for (CohortMember member : cohort) {
            bySource.computeIfAbsent(member.sourceId(), s -> new LinkedHashMap<>()).put(member.surrogateId(), member);
        }
        for (Map.Entry<UUID, Map<String, CohortMember>> entry : bySource.entrySet()) {
            FhirSource source = sources.get(entry.getKey());
            List<String> ids = List.copyOf(entry.getValue().keySet());
            for (int from = 0; from < ids.size(); from += patientsPerRequest) {
                List<String> chunk = ids.subList(from, Math.min(ids.size(), from + patientsPerRequest));
                Map<String, CohortMember> byId = entry.getValue();
                // Page by page on the reading thread, while this one waits: one page held at a time; failures in
                // the words of the broker's own reads, since to the caller it is the same failure.
                Broker.awaitRead(upstream.submit(source, deadline, call -> {
                    reader.read(call, type, brokered.upstreamPatientParameter(), chunk, Map.of(), page -> {
                        for (Resource resource : page) {
                            Broker.subjectOf(resource, brokered, source).map(byId::get)
                                    .ifPresent(member -> found.accept(member, resource));
                        }
                    });
                    return null;
                }), deadline.toNanos(), deadline, "reading the sources for the release plan");
            }
        }
    }
}
