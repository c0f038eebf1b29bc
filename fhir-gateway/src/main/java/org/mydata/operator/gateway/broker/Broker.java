package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.access.PermitEndedException;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.verify.access.PersonConsent;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.gateway.GatewaySettings;
import org.mydata.operator.gateway.SourceReference;
import org.mydata.operator.gateway.pseudonym.Pseudonymiser;
import org.mydata.operator.gateway.registry.BrokeredType;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.gateway.source.SourceReader;
import org.mydata.operator.gateway.source.UpstreamCall;
import org.mydata.operator.gateway.source.UpstreamReads;
import org.mydata.operator.permit.CohortMember;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.permit.Permits.UsablePermit;
import org.mydata.operator.permit.ReleasePlanStore;
import org.mydata.operator.release.Grant;
import org.mydata.operator.release.PermitTerms;
import org.mydata.operator.release.ReleasePolicy;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourcePatient;
import org.mydata.operator.source.SourceRegistry;

/**
 * Brokers one read: cohort from the database, data from the sources (asked per patient, in bounded
 * parallel chunks), a decision per resource, pseudonymisation, and the access event before release.
 * Searches and bulk exports walk the cohort the same way and decide each resource with the same code;
 * they differ only in pace and in what they do with each decided chunk.
 */
public final class Broker {
    private final Cohorts cohorts;
    private final SourceRegistry sources;
    private final SourceReader reader;
    private final AccessLog accessLog;
    private final Clock clock;
    private final UpstreamReads upstream;
    private final Duration deadline;
    private final GatewaySettings settings;
    private final Pace searchPace;
    private final Pace exportPace;
    private final ReleasePlans plans;

    /**
     * @param upstream where reads of the sources run, in a bulkhead per source
     * @param settings the deadline (how long a search's whole read, or an export's read of one chunk, may take;
     *     the reads' connections are closed when it passes), the chunk sizes and the export's read-ahead
     */
    public Broker(Cohorts cohorts, SourceRegistry sources, SourceReader reader, AccessLog accessLog,
                  Clock clock, UpstreamReads upstream, GatewaySettings settings, ReleasePlanStore planStore) {
        this.cohorts = cohorts;
        this.sources = sources;
        this.reader = reader;
        this.accessLog = accessLog;
        this.clock = clock;
        this.upstream = upstream;
        this.settings = settings;
        this.deadline = settings.deadline();
        this.searchPace = new Pace(settings.patientsPerRequest(), Integer.MAX_VALUE, true);
        this.exportPace = new Pace(settings.exportPatientsPerRequest(), settings.exportReadAhead(), false);
        this.plans = new ReleasePlans(cohorts, sources, reader, upstream, planStore, clock, settings.deadline(),
                settings.exportPatientsPerRequest());
    }

    /** The records permits' release plans, which every pseudonymiser of this broker applies. */
    public ReleasePlans plans() {
        return plans;
    }

    /** The gateway's settings, which the server it serves reads its paging from. */
    GatewaySettings settings() {
        return settings;
    }

    /**
     * Everything of the type that the permit may see now and that matches the criteria, in a stable order. A search
     * about given patients checks only those persons' consents; a search of the whole cohort reads the cohort once
     * (it reads every member's data at the sources as well).
     */
    List<Released> search(UsablePermit permit, String type, SearchCriteria criteria) {
        Pseudonymiser pseudonymiser = pseudonymiser(permit);
        List<CohortMember> cohort = criteria.patients() == null ? cohort(permit, type)
                : cohortOf(permit, type, plans.personsNamed(permit, pseudonymiser.plan(), criteria.patients()));
        List<Released> released = new ArrayList<>();
        release(permit, pseudonymiser, type, cohort, criteria, searchPace, decided -> decided,
                decided -> released.addAll(decided.released()));
        released.sort(Comparator.comparing(r -> r.resource().getIdElement().getIdPart()));
        return released;
    }

    /**
     * Everything of the type that the permit may see from the given cohort and that matches the criteria
     * (an export's _since and _typeFilter), handed to {@code sink} chunk
     * by chunk as each is decided, with at most a couple of chunks read ahead: what the caller keeps is
     * up to it, the broker holds no more than those chunks. A failure of any chunk ends the walk with
     * the exception (chunks already handed over stay handed over: the caller must discard them).
     */
    <T> void export(UsablePermit permit, Pseudonymiser pseudonymiser, String type, List<CohortMember> cohort,
                    SearchCriteria criteria, Function<Decided, T> render, Consumer<T> sink) {
        release(permit, pseudonymiser, type, cohort, criteria, exportPace, render, sink);
    }

    /**
     * The statistics store's read (docs/statistics.md, "The store"): the members' resources of the type, walked at
     * an export's pace and decided by the release policy now, each de-identified by the record profile but with
     * true dates and no release plan ({@link Pseudonymiser#withTrueDates}), handed to {@code page} one upstream page
     * at a time, and {@code chunkDone} run after each chunk of patients (a member's resources at one source all come
     * within one chunk). Nothing is logged here because nothing leaves: an answer made of them is an access event
     * when it does.
     */
    public void readForStatistics(UsablePermit permit, String type, List<CohortMember> members,
                                  Consumer<List<Released>> page, Runnable chunkDone) {
        Pseudonymiser trueDates = Pseudonymiser.withTrueDates(permit.key(), permit.permit().scope().resourceTypes(),
                permit.permit().scope().releasedObservationCategories());
        release(permit, trueDates, type, members, SearchCriteria.everything(), exportPace, decided -> decided,
                decided -> {
                    if (!decided.released().isEmpty()) {
                        page.accept(decided.released());
                    }
                    if (decided.patients() > 0) {
                        chunkDone.run();
                    }
                });
    }

    /**
     * Who the permit may read this type of now, from the database. A person linked at several sources is one
     * Patient in a permit: their Patient resource is read from the first of those sources only.
     */
    List<CohortMember> cohort(UsablePermit permit, String type) {
        return onePatientEach(type, cohorts.of(permit.permit(), type, clock.instant()));
    }

    /** {@link #cohort} among the given persons only: indexed by person, whatever the size of the cohort. */
    List<CohortMember> cohortOf(UsablePermit permit, String type, Set<UUID> accountIds) {
        return onePatientEach(type, cohorts.ofPersons(permit.permit(), type, clock.instant(), accountIds));
    }

    /** {@link #cohort} of each of the types, from one read of the cohort: a walk over all of an export's types. */
    Map<String, List<CohortMember>> cohorts(UsablePermit permit, List<String> types) {
        Map<String, List<CohortMember>> byType = new LinkedHashMap<>();
        cohorts.ofTypes(permit.permit(), types, clock.instant())
                .forEach((type, members) -> byType.put(type, onePatientEach(type, members)));
        return byType;
    }

    /** A person's Patient is read from the first of their sources only; other types from every source. */
    private static List<CohortMember> onePatientEach(String type, List<CohortMember> cohort) {
        if (!BrokeredTypes.of(type).isPatient()) {
            return cohort;
        }
        Set<UUID> seen = new HashSet<>();
        return cohort.stream().filter(member -> seen.add(member.accountId())).toList();
    }

    /** The pseudonymiser of one permit's request or export, applying the permit's release plan of now. */
    Pseudonymiser pseudonymiser(UsablePermit permit) {
        return new Pseudonymiser(permit.key(), permit.permit().scope().resourceTypes(),
                permit.permit().scope().releasedObservationCategories(), plans.of(permit), clock);
    }

    /**
     * What of a page decided earlier may still go now: each resource decided again by the release policy
     * against the cohort of this moment, under whichever consent covers it now. Only the page's persons are
     * looked up: a page costs the same whatever the size of the cohort.
     */
    List<Released> stillReleasable(UsablePermit permit, String type, List<Released> page) {
        Instant at = clock.instant();
        PermitTerms terms = PermitTerms.of(permit.permit());
        Set<UUID> persons = new HashSet<>();
        page.forEach(r -> persons.add(r.member().accountId()));
        Map<SourcePatient, CohortMember> members = new HashMap<>();
        for (CohortMember member : cohorts.ofPersons(permit.permit(), type, at, persons)) {
            members.put(member.key(), member);
        }
        List<Released> still = new ArrayList<>(page.size());
        for (Released r : page) {
            CohortMember member = members.get(r.member().key());
            if (member != null) {
                grantFor(terms, member, type, r.day(), at)
                        .ifPresent(grant -> still.add(new Released(r.resource(), member, grant, r.day())));
            }
        }
        return still;
    }

    /**
     * The consent under which a resource of the type, about data of {@code day} (null if it has no
     * clinical date), may be released of this member at {@code at}; empty if none does. The release
     * policy decides; a Patient resource is the person themself and is judged by no data period.
     */
    static Optional<Grant> grantFor(PermitTerms permit, CohortMember member, String type, LocalDate day,
                                           Instant at) {
        return ReleasePolicy.decide(permit, member.grants(), type, day, at).grant();
    }

    /**
     * Writes the access event and returns what may be released: the page, less the data of anyone whose
     * consent ended while the request ran (the event's transaction sees every change that committed before
     * it). The caller releases exactly the returned resources, and only after this returns.
     */
    List<Released> recordRelease(UsablePermit permit, String caller, String type, String interaction,
                                 List<Released> page) {
        Map<PersonConsent, PersonAccess> persons = new LinkedHashMap<>();
        for (Released r : page) {
            PersonAccess one = r.reliedOn().access(1);
            persons.merge(one.key(), one, PersonAccess::plus);
        }
        Set<UUID> ended = recordAccessOfThoseStillIn(permit, caller, List.of(type), interaction,
                List.copyOf(persons.values()));
        return ended.isEmpty() ? page : page.stream().filter(r -> !ended.contains(r.reliedOn().id())).toList();
    }

    /**
     * Writes the access event of the persons, leaving out those whose consent (or, under an opt-out basis,
     * inclusion) ended while the request ran, as the last check finds them; returns the consent or link ids left
     * out, whose data the caller must not release.
     */
    Set<UUID> recordAccessOfThoseStillIn(UsablePermit permit, String caller, List<String> types, String interaction,
                                         List<PersonAccess> persons) {
        int resources = persons.stream().mapToInt(PersonAccess::resourceCount).sum();
        try {
            return accessLog.recordOfThoseStillIn(new AccessEvent(UUID.randomUUID(), permit.permit().id(), caller,
                    interaction, types, resources, persons, clock.instant()));
        } catch (PermitEndedException ended) {
            throw permitEnded();
        }
    }

    /** Writes an access event of the given persons' counts; the caller releases only after this returns. */
    void recordAccess(UsablePermit permit, String caller, List<String> types, String interaction,
                      List<PersonAccess> persons) {
        int resources = persons.stream().mapToInt(PersonAccess::resourceCount).sum();
        try {
            accessLog.record(new AccessEvent(UUID.randomUUID(), permit.permit().id(), caller, interaction, types,
                    resources, persons, clock.instant()));
        } catch (PermitEndedException ended) {
            throw permitEnded();
        }
    }

    /** Revoked (or expired) while the request ran: as the next request will be, the base is gone. */
    private static ResourceNotFoundException permitEnded() {
        return new ResourceNotFoundException("No FHIR base at this address: the permit ended while this request ran, "
                + "and nothing was released.");
    }

    /**
     * Part of a chunk of patients, decided: what of theirs may go, and how many patients are done with it (a
     * chunk comes as one part per upstream page and a last, empty part that counts its patients).
     */
    record Decided(int patients, List<Released> released) {
    }

    /**
     * How a walk over the cohort is paced. A search answers one HTTP request and holds its result anyway:
     * large chunks, as many at once as a source reads at once, one deadline for the whole. An export runs in
     * the background over any number of patients and holds nothing: small chunks, a short read-ahead, a
     * deadline per chunk.
     */
    private record Pace(int patientsPerRequest, int readAhead, boolean oneDeadline) {
    }

    private record Chunk(FhirSource source, List<String> surrogateIds) {
    }

    /**
     * The walk that search and export share: the cohort split per source into chunks of patients, each
     * chunk asked upstream (bounded parallel, in its source's bulkhead) and decided resource by resource,
     * in cohort order. Any chunk's failure fails the walk.
     */
    private <T> void release(UsablePermit permit, Pseudonymiser pseudonymiser, String type, List<CohortMember> cohort,
                             SearchCriteria criteria, Pace pace, Function<Decided, T> render, Consumer<T> sink) {
        List<Chunk> chunks = chunks(cohort, pace.patientsPerRequest());
        ChunkDecision<T> decision = new ChunkDecision<>(BrokeredTypes.of(type), membersByKey(cohort),
                PermitTerms.of(permit.permit()), clock.instant(), pseudonymiser, criteria, render);
        inCohortOrder(chunks, pace, decision, sink);
    }

    /** The cohort's members by who they are at their source: how a resource a source returned finds its member. */
    private static Map<SourcePatient, CohortMember> membersByKey(List<CohortMember> cohort) {
        Map<SourcePatient, CohortMember> members = new HashMap<>();
        for (CohortMember member : cohort) {
            members.put(member.key(), member);
        }
        return members;
    }

    /** The cohort per source, in cohort order, in chunks of at most {@code patientsPerRequest} patients. */
    private List<Chunk> chunks(List<CohortMember> cohort, int patientsPerRequest) {
        Map<UUID, List<String>> surrogatesBySource = new LinkedHashMap<>();
        for (CohortMember member : cohort) {
            surrogatesBySource.computeIfAbsent(member.sourceId(), s -> new ArrayList<>()).add(member.surrogateId());
        }
        List<Chunk> chunks = new ArrayList<>();
        for (Map.Entry<UUID, List<String>> entry : surrogatesBySource.entrySet()) {
            FhirSource source = sources.get(entry.getKey());
            List<String> ids = entry.getValue();
            for (int from = 0; from < ids.size(); from += patientsPerRequest) {
                int to = Math.min(ids.size(), from + patientsPerRequest);
                chunks.add(new Chunk(source, ids.subList(from, to)));
            }
        }
        return chunks;
    }

    /**
     * Asks the chunks upstream, no more at a time than the pace's read-ahead and a source's bulkhead allow, and
     * hands what each renders to {@code sink} in cohort order; cancels what is still in flight when it ends,
     * however it ends.
     */
    private <T> void inCohortOrder(List<Chunk> chunks, Pace pace, ChunkDecision<T> decision, Consumer<T> sink) {
        Deque<Future<List<T>>> inFlight = new ArrayDeque<>();
        Iterator<Chunk> next = chunks.iterator();
        long until = System.nanoTime() + deadline.toNanos();
        // No more at a time than a source's bulkhead runs at once: a walk never fills a queue by itself, so a
        // full bulkhead means other callers of that source, and the walk fails fast only then.
        int readAhead = Math.min(pace.readAhead(), upstream.concurrencyPerSource());
        try {
            while (true) {
                while (inFlight.size() < readAhead && next.hasNext()) {
                    Chunk chunk = next.next();
                    // A search's reads share its one deadline; an export's chunk gets a whole one from when it is asked.
                    Duration within = pace.oneDeadline()
                            ? Duration.ofNanos(Math.max(0, until - System.nanoTime())) : deadline;
                    inFlight.add(upstream.submit(chunk.source(), within, call -> decision.readAndDecide(reader, call,
                            chunk)));
                }
                Future<List<T>> head = inFlight.poll();
                if (head == null) {
                    return;
                }
                if (!pace.oneDeadline()) {
                    until = System.nanoTime() + deadline.toNanos();
                }
                awaitRead(head, Math.max(0, until - System.nanoTime()), deadline, "reading the sources").forEach(sink);
            }
        } finally {
            inFlight.forEach(f -> f.cancel(true));
        }
    }

    /**
     * What one walk decides each chunk by: the cohort's members, the permit's terms and the one instant the walk
     * decides at, the pseudonymiser and the criteria, and how a decided part is rendered.
     */
    private record ChunkDecision<T>(BrokeredType brokered, Map<SourcePatient, CohortMember> members,
                                    PermitTerms terms, Instant at, Pseudonymiser pseudonymiser,
                                    SearchCriteria criteria, Function<Decided, T> render) {

        /**
         * Reads one chunk's resources of the type and decides, pseudonymises and renders them on the thread that
         * read them, so chunks are parsed, decided and (for exports) encoded in parallel. Rendered page by page: a
         * chunk's parsed resources are held one upstream page at a time, so memory follows the page size and not
         * the heaviest patients' record (an export's chunk of 10 patients can hold 20,000 Observations). A last,
         * empty part counts the chunk's patients.
         */
        List<T> readAndDecide(SourceReader reader, UpstreamCall call, Chunk chunk) {
            List<T> pages = new ArrayList<>();
            // A Patient search passes nothing on but _lastUpdated (an export's _since): its criteria hold nothing else.
            reader.read(call, brokered.name(), brokered.upstreamPatientParameter(), chunk.surrogateIds(),
                    criteria.passThrough(), page -> {
                        List<Released> released = new ArrayList<>();
                        for (Resource resource : page) {
                            decide(resource, chunk.source(), members, terms, at, brokered, pseudonymiser, criteria)
                                    .ifPresent(released::add);
                        }
                        pages.add(render.apply(new Decided(0, released)));
                    });
            pages.add(render.apply(new Decided(chunk.surrogateIds().size(), List.of())));
            return pages;
        }
    }

    /**
     * The decision on one resource a source returned: it must be about a cohort member at that source, the
     * release policy must let it go at {@code at} under one of the member's consents, and (pseudonymised) it
     * must match the criteria. Pseudonymises the resource in place when it is released.
     */
    static Optional<Released> decide(Resource resource, FhirSource source,
                                     Map<SourcePatient, CohortMember> members, PermitTerms permit, Instant at,
                                     BrokeredType brokered, Pseudonymiser pseudonymiser,
                                     SearchCriteria criteria) {
        Optional<String> subject = subjectOf(resource, brokered, source);
        CohortMember member = subject.map(s -> members.get(new SourcePatient(source.id(), s))).orElse(null);
        if (member == null) {
            return Optional.empty();
        }
        LocalDate day = brokered.clinicalDay(resource).orElse(null);
        Optional<Grant> grant = grantFor(permit, member, brokered.name(), day, at);
        if (grant.isEmpty()) {
            return Optional.empty();
        }
        Optional<Resource> out = pseudonymiser.apply(resource, new Pseudonymiser.Person(member.accountId(),
                member.sourceId(), source.fhirBaseUrl().toString(), member.surrogateId()));
        if (out.isEmpty() || !matches(out.get(), brokered, criteria)) {
            return Optional.empty();
        }
        return Optional.of(new Released(out.get(), member, grant.get(), day));
    }

    /** Judged on what is released: pseudonymous ids, the clinical date as shifted (never a withheld one). */
    private static boolean matches(Resource out, BrokeredType brokered, SearchCriteria criteria) {
        if (criteria.ids() != null && !criteria.ids().contains(out.getIdElement().getIdPart())) {
            return false;
        }
        return criteria.released() == null || criteria.released().test(out);
    }

    /**
     * The Patient the resource is about, as an id at its source; empty when it cannot be told, and then
     * the resource is not released.
     */
    static Optional<String> subjectOf(Resource resource, BrokeredType brokered, FhirSource source) {
        if (brokered.isPatient()) {
            return Optional.of(resource.getIdElement().getIdPart());
        }
        Reference subject = brokered.subject().apply(resource);
        if (subject == null || !subject.hasReference()) {
            return Optional.empty();
        }
        return SourceReference.parse(subject.getReference(), source.fhirBaseUrl().toString())
                .filter(patient -> patient.type().equals("Patient") && !patient.versioned())
                .map(SourceReference::id);
    }

    /**
     * Waits for a read of the sources at most {@code nanos}, and says every way it can fail in the broker's one set
     * of words: the reads end at the same deadline and say so alike, whichever is first answers; a source's failure
     * is the source's; anything else is the gateway's own fault, never blamed on a source.
     */
    static <T> T awaitRead(Future<T> read, long nanos, Duration deadline, String what) {
        try {
            return read.get(nanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new SourceUnavailableException("The sources did not answer within the deadline of "
                    + deadline.toSeconds() + " s; their connections were closed.", true, null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SourceUnavailableException unavailable) {
                throw unavailable;
            }
            throw new IllegalStateException(what + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceUnavailableException("The read was interrupted.", false, e);
        }
    }
}
