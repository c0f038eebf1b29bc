package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.rest.param.DateRangeParam;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.Deque;
import java.util.HashMap;
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
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.access.AccessEvent;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.access.ConsentsEndedException;
import org.mydata.operator.access.PersonAccess;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.gateway.pseudonym.Pseudonymiser;
import org.mydata.operator.gateway.source.SourceReader;
import org.mydata.operator.gateway.source.UpstreamReads;
import org.mydata.operator.permit.CohortMember;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.Permits.UsablePermit;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;

/**
 * Brokers one read: cohort from the database, data from the sources (asked per patient, in bounded
 * parallel chunks), a decision per resource, pseudonymisation, and the access event before release.
 * Searches and bulk exports walk the cohort the same way and decide each resource with the same code;
 * they differ only in pace and in what they do with each decided chunk.
 */
public final class Broker {
    /** Patients per upstream request: short enough URLs, few enough round trips. */
    private static final int PATIENTS_PER_REQUEST = 40;
    /** An export asks for fewer at a time: what it holds is a chunk's worth, whatever the cohort's size. */
    private static final int EXPORT_PATIENTS_PER_REQUEST = 10;
    /** Chunks an export has asked for ahead of the one it is writing. */
    private static final int EXPORT_READ_AHEAD = 4;
    private static final Pace SEARCH = new Pace(PATIENTS_PER_REQUEST, Integer.MAX_VALUE, true);
    private static final Pace EXPORT = new Pace(EXPORT_PATIENTS_PER_REQUEST, EXPORT_READ_AHEAD, false);

    private final Cohorts cohorts;
    private final SourceRegistry sources;
    private final SourceReader reader;
    private final AccessLog accessLog;
    private final Clock clock;
    private final UpstreamReads upstream;
    private final Duration deadline;

    /**
     * @param upstream where reads of the sources run, in a bulkhead per source
     * @param deadline how long a search's whole read, or an export's read of one chunk, may take; the reads'
     *     connections are closed when it passes
     */
    public Broker(Cohorts cohorts, SourceRegistry sources, SourceReader reader, AccessLog accessLog,
                  Clock clock, UpstreamReads upstream, Duration deadline) {
        this.cohorts = cohorts;
        this.sources = sources;
        this.reader = reader;
        this.accessLog = accessLog;
        this.clock = clock;
        this.upstream = upstream;
        this.deadline = deadline;
    }

    /** Everything of the type that the permit may see now and that matches the criteria, in a stable order. */
    List<Released> search(UsablePermit permit, String type, SearchCriteria criteria) {
        Pseudonymiser pseudonymiser = new Pseudonymiser(permit.key());
        List<CohortMember> cohort = cohort(permit, type);
        if (criteria.patients() != null) {
            cohort = cohort.stream().filter(m -> criteria.patients()
                    .contains(pseudonymiser.id("Patient", m.sourceId(), m.surrogateId()))).toList();
        }
        List<Released> released = new ArrayList<>();
        release(permit, type, cohort, criteria, SEARCH, decided -> decided, decided -> released.addAll(decided.released()));
        released.sort(Comparator.comparing(r -> r.resource().getIdElement().getIdPart()));
        return released;
    }

    /**
     * Everything of the type that the permit may see from the given cohort, handed to {@code sink} chunk
     * by chunk as each is decided, with at most a couple of chunks read ahead: what the caller keeps is
     * up to it, the broker holds no more than those chunks. A failure of any chunk ends the walk with
     * the exception (chunks already handed over stay handed over: the caller must discard them).
     */
    <T> void export(UsablePermit permit, String type, List<CohortMember> cohort, Function<Decided, T> render,
                    Consumer<T> sink) {
        release(permit, type, cohort, SearchCriteria.everything(), EXPORT, render, sink);
    }

    /** Who the permit may read this type of now, from the database. */
    List<CohortMember> cohort(UsablePermit permit, String type) {
        return cohorts.of(permit.permit(), type, clock.instant());
    }

    /** The cohort keys that may still be served now: a page asked later re-checks against these. */
    Set<String> stillReleasable(UsablePermit permit, String type) {
        return cohort(permit, type).stream().map(CohortMember::key).collect(Collectors.toSet());
    }

    /**
     * The consent under which a resource of the type, about data of {@code day} (null if it has no
     * clinical date), may be released of this member now; empty if none does. A Patient resource is the
     * person themself and goes under any consent that covers the type.
     */
    static Optional<CohortMember.Grant> grantFor(CohortMember member, String type, LocalDate day) {
        return type.equals("Patient") ? member.grants().stream().findFirst() : member.grantCovering(day);
    }

    /**
     * Writes the access event and returns what may be released: the page, less the data of anyone whose
     * consent ended while the request ran (the event's transaction sees every change that committed before
     * it). The caller releases exactly the returned resources, and only after this returns.
     */
    List<Released> recordRelease(UsablePermit permit, String caller, String type, String interaction,
                                 List<Released> page) {
        List<Released> releasable = page;
        while (true) {
            Map<String, PersonAccess> persons = new LinkedHashMap<>();
            for (Released r : releasable) {
                persons.merge(r.member().accountId() + "|" + r.consentId(),
                        new PersonAccess(r.member().accountId(), r.consentId(), 1),
                        (a, b) -> new PersonAccess(a.accountId(), a.consentId(), a.resourceCount() + b.resourceCount()));
            }
            try {
                recordAccess(permit, caller, List.of(type), interaction, List.copyOf(persons.values()));
                return releasable;
            } catch (ConsentsEndedException ended) {
                // Each round removes at least one consent, so this ends.
                releasable = releasable.stream().filter(r -> !ended.consentIds().contains(r.consentId())).toList();
            }
        }
    }

    /** Writes an access event of the given persons' counts; the caller releases only after this returns. */
    void recordAccess(UsablePermit permit, String caller, List<String> types, String interaction,
                      List<PersonAccess> persons) {
        int resources = persons.stream().mapToInt(PersonAccess::resourceCount).sum();
        accessLog.record(new AccessEvent(UUID.randomUUID(), permit.permit().id(), caller, interaction, types,
                resources, persons, clock.instant()));
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
    private <T> void release(UsablePermit permit, String type, List<CohortMember> cohort, SearchCriteria criteria,
                             Pace pace, Function<Decided, T> render, Consumer<T> sink) {
        Pseudonymiser pseudonymiser = new Pseudonymiser(permit.key());
        Map<String, CohortMember> members = new HashMap<>();
        Map<UUID, List<String>> surrogatesBySource = new LinkedHashMap<>();
        for (CohortMember member : cohort) {
            members.put(member.key(), member);
            surrogatesBySource.computeIfAbsent(member.sourceId(), s -> new ArrayList<>()).add(member.surrogateId());
        }
        List<Chunk> chunks = new ArrayList<>();
        for (Map.Entry<UUID, List<String>> entry : surrogatesBySource.entrySet()) {
            FhirSource source = sources.get(entry.getKey());
            List<String> ids = entry.getValue();
            for (int from = 0; from < ids.size(); from += pace.patientsPerRequest()) {
                int to = Math.min(ids.size(), from + pace.patientsPerRequest());
                chunks.add(new Chunk(source, ids.subList(from, to)));
            }
        }
        Map<String, List<String>> passThrough = type.equals("Patient") ? Map.of() : criteria.passThrough();
        Permit p = permit.permit();
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
                    // Each chunk is decided, pseudonymised and rendered on the thread that read it, so chunks are
                    // parsed, decided and (for exports) encoded in parallel; the sink takes them in cohort order.
                    // Rendered page by page: a chunk's parsed resources are held one upstream page at a time, so
                    // memory follows the page size and not the heaviest patients' record (an export's chunk of 10
                    // patients can hold 20,000 Observations).
                    // A search's reads share its one deadline; an export's chunk gets a whole one from when it is asked.
                    Duration within = pace.oneDeadline()
                            ? Duration.ofNanos(Math.max(0, until - System.nanoTime())) : deadline;
                    inFlight.add(upstream.submit(chunk.source(), within, call -> {
                        List<T> pages = new ArrayList<>();
                        reader.read(call, type, type.equals("Patient") ? "_id" : "patient",
                                chunk.surrogateIds(), passThrough, page -> {
                                    List<Released> released = new ArrayList<>();
                                    for (Resource resource : page) {
                                        decide(resource, chunk.source(), members, p, type, pseudonymiser, criteria)
                                                .ifPresent(released::add);
                                    }
                                    pages.add(render.apply(new Decided(0, released)));
                                });
                        pages.add(render.apply(new Decided(chunk.surrogateIds().size(), List.of())));
                        return pages;
                    }));
                }
                Future<List<T>> head = inFlight.poll();
                if (head == null) {
                    return;
                }
                if (!pace.oneDeadline()) {
                    until = System.nanoTime() + deadline.toNanos();
                }
                head.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS).forEach(sink);
            }
        } catch (TimeoutException e) {
            // The reads end at the same deadline and say so in the same words; whichever is first answers.
            throw new SourceUnavailableException("The sources did not answer within the deadline of "
                    + deadline.toSeconds() + " s; their connections were closed.", true, null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SourceUnavailableException unavailable) {
                throw unavailable;
            }
            throw new IllegalStateException("reading the sources failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceUnavailableException("The read was interrupted.", false, e);
        } finally {
            inFlight.forEach(f -> f.cancel(true));
        }
    }

    /**
     * The decision on one resource a source returned: it must be about a cohort member at that source,
     * inside the permit's data period, covered by one of the member's consents, and (pseudonymised) match
     * the criteria. Pseudonymises the resource in place when it is released.
     */
    private static Optional<Released> decide(Resource resource, FhirSource source, Map<String, CohortMember> members,
                                             Permit permit, String type, Pseudonymiser pseudonymiser,
                                             SearchCriteria criteria) {
        Optional<String> subject = subjectOf(resource, source);
        CohortMember member = subject.map(s -> members.get(source.id() + "|" + s)).orElse(null);
        if (member == null) {
            return Optional.empty();
        }
        LocalDate day = ClinicalDates.dayOf(resource).orElse(null);
        if (!insidePermitPeriod(permit, day, type)) {
            return Optional.empty();
        }
        Optional<CohortMember.Grant> grant = grantFor(member, type, day);
        if (grant.isEmpty()) {
            return Optional.empty();
        }
        Resource out = pseudonymiser.apply(resource, member.sourceId(), member.accountId());
        if (!matches(out, criteria)) {
            return Optional.empty();
        }
        return Optional.of(new Released(out, member, grant.get().consentId(), day));
    }

    private static boolean insidePermitPeriod(Permit permit, LocalDate day, String type) {
        if (permit.scope().dataFrom() == null && permit.scope().dataUntil() == null) {
            return true;
        }
        if (type.equals("Patient")) {
            return true;
        }
        return day != null && (permit.scope().dataFrom() == null || !day.isBefore(permit.scope().dataFrom()))
                && (permit.scope().dataUntil() == null || !day.isAfter(permit.scope().dataUntil()));
    }

    private static boolean matches(Resource out, SearchCriteria criteria) {
        if (criteria.ids() != null && !criteria.ids().contains(out.getIdElement().getIdPart())) {
            return false;
        }
        if (criteria.date() != null && !within(criteria.date(), ClinicalDates.of(out).orElse(null))) {
            return false;
        }
        return criteria.lastUpdated() == null
                || within(criteria.lastUpdated(), out.hasMeta() ? out.getMeta().getLastUpdated() : null);
    }

    private static boolean within(DateRangeParam range, Date date) {
        if (date == null) {
            return false;
        }
        Date low = range.getLowerBoundAsInstant();
        Date high = range.getUpperBoundAsInstant();
        return (low == null || !date.before(low)) && (high == null || !date.after(high));
    }

    /**
     * The Patient the resource is about, as an id at its source; empty when it cannot be told, and then
     * the resource is not released.
     */
    private static Optional<String> subjectOf(Resource resource, FhirSource source) {
        if (resource instanceof Patient patient) {
            return Optional.of(patient.getIdElement().getIdPart());
        }
        Reference subject = null;
        if (resource instanceof Observation o) {
            subject = o.getSubject();
        } else if (resource instanceof Condition c) {
            subject = c.getSubject();
        } else if (resource instanceof MedicationRequest m) {
            subject = m.getSubject();
        } else if (resource instanceof Encounter e) {
            subject = e.getSubject();
        } else if (resource instanceof Procedure p) {
            subject = p.getSubject();
        } else if (resource instanceof Immunization i) {
            subject = i.getPatient();
        } else if (resource instanceof DiagnosticReport d) {
            subject = d.getSubject();
        } else if (resource instanceof AllergyIntolerance a) {
            subject = a.getPatient();
        }
        if (subject == null || !subject.hasReference()) {
            return Optional.empty();
        }
        String reference = subject.getReference();
        String absolutePrefix = source.fhirBaseUrl() + "/Patient/";
        if (reference.startsWith(absolutePrefix)) {
            reference = "Patient/" + reference.substring(absolutePrefix.length());
        }
        String[] parts = reference.split("/");
        if (parts.length == 2 && parts[0].equals("Patient") && !parts[1].isBlank()) {
            return Optional.of(parts[1]);
        }
        return Optional.empty();
    }
}
