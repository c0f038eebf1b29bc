package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.param.DateRangeParam;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
import org.mydata.operator.access.PersonAccess;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.gateway.pseudonym.Pseudonymiser;
import org.mydata.operator.gateway.source.SourceReader;
import org.mydata.operator.permit.CohortMember;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.Permits.UsablePermit;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;

/**
 * Brokers one read: cohort from the database, data from the sources (asked per patient, in bounded
 * parallel chunks), a decision per resource, pseudonymisation, and the access event before release.
 */
public final class Broker {
    /** Patients per upstream request: short enough URLs, few enough round trips. */
    private static final int PATIENTS_PER_REQUEST = 40;

    private final Cohorts cohorts;
    private final SourceRegistry sources;
    private final SourceReader reader;
    private final AccessLog accessLog;
    private final FhirContext fhirContext;
    private final Clock clock;
    private final ExecutorService upstream;
    private final Duration deadline;

    public Broker(Cohorts cohorts, SourceRegistry sources, SourceReader reader, AccessLog accessLog,
                  FhirContext fhirContext, Clock clock, ExecutorService upstream, Duration deadline) {
        this.cohorts = cohorts;
        this.sources = sources;
        this.reader = reader;
        this.accessLog = accessLog;
        this.fhirContext = fhirContext;
        this.clock = clock;
        this.upstream = upstream;
        this.deadline = deadline;
    }

    /** Everything of the type that the permit may see now and that matches the criteria, in a stable order. */
    List<Released> search(UsablePermit permit, String type, SearchCriteria criteria) {
        Pseudonymiser pseudonymiser = new Pseudonymiser(fhirContext, permit.key());
        List<CohortMember> cohort = cohorts.of(permit.permit(), type, clock.instant());
        if (criteria.patients() != null) {
            cohort = cohort.stream().filter(m -> criteria.patients()
                    .contains(pseudonymiser.id("Patient", m.sourceId(), m.surrogateId()))).toList();
        }
        Map<String, CohortMember> members = new HashMap<>();
        Map<UUID, List<String>> surrogatesBySource = new LinkedHashMap<>();
        for (CohortMember member : cohort) {
            members.put(member.key(), member);
            surrogatesBySource.computeIfAbsent(member.sourceId(), s -> new ArrayList<>()).add(member.surrogateId());
        }
        Map<String, List<String>> passThrough = type.equals("Patient") ? Map.of() : criteria.passThrough();
        List<Upstream> answers = ask(type, surrogatesBySource, passThrough);
        Permit p = permit.permit();
        List<Released> released = new ArrayList<>();
        for (Upstream answer : answers) {
            for (Resource resource : answer.resources()) {
                Optional<String> subject = subjectOf(resource, answer.source());
                CohortMember member = subject.map(s -> members.get(answer.source().id() + "|" + s)).orElse(null);
                if (member == null) {
                    continue;
                }
                LocalDate day = ClinicalDates.dayOf(resource).orElse(null);
                if (!insidePermitPeriod(p, day, type)) {
                    continue;
                }
                Optional<CohortMember.Grant> grant = type.equals("Patient")
                        ? member.grants().stream().findFirst() : member.grantCovering(day);
                if (grant.isEmpty()) {
                    continue;
                }
                Resource out = pseudonymiser.apply(resource, member.sourceId(), member.accountId());
                if (matches(out, criteria)) {
                    released.add(new Released(out, member, grant.get().consentId()));
                }
            }
        }
        released.sort(Comparator.comparing(r -> r.resource().getIdElement().getIdPart()));
        return released;
    }

    /** The cohort keys that may still be served now: a page asked later re-checks against these. */
    Set<String> stillReleasable(UsablePermit permit, String type) {
        return cohorts.of(permit.permit(), type, clock.instant()).stream().map(CohortMember::key)
                .collect(Collectors.toSet());
    }

    /** Writes the access event; the caller releases the resources only after this returns. */
    void recordRelease(UsablePermit permit, String caller, String type, String interaction, List<Released> page) {
        Map<String, PersonAccess> persons = new LinkedHashMap<>();
        for (Released r : page) {
            persons.merge(r.member().accountId() + "|" + r.consentId(),
                    new PersonAccess(r.member().accountId(), r.consentId(), 1),
                    (a, b) -> new PersonAccess(a.accountId(), a.consentId(), a.resourceCount() + b.resourceCount()));
        }
        accessLog.record(new AccessEvent(UUID.randomUUID(), permit.permit().id(), caller, interaction, List.of(type),
                page.size(), List.copyOf(persons.values()), clock.instant()));
    }

    private record Upstream(FhirSource source, List<Resource> resources) {
    }

    private List<Upstream> ask(String type, Map<UUID, List<String>> surrogatesBySource,
                               Map<String, List<String>> passThrough) {
        List<Future<Upstream>> futures = new ArrayList<>();
        for (Map.Entry<UUID, List<String>> entry : surrogatesBySource.entrySet()) {
            FhirSource source = sources.get(entry.getKey());
            List<String> ids = entry.getValue();
            for (int from = 0; from < ids.size(); from += PATIENTS_PER_REQUEST) {
                List<String> chunk = ids.subList(from, Math.min(ids.size(), from + PATIENTS_PER_REQUEST));
                futures.add(upstream.submit(() -> new Upstream(source,
                        reader.read(source, type, type.equals("Patient") ? "_id" : "patient", chunk, passThrough))));
            }
        }
        long until = System.nanoTime() + deadline.toNanos();
        List<Upstream> answers = new ArrayList<>();
        try {
            for (Future<Upstream> future : futures) {
                answers.add(future.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
            return answers;
        } catch (TimeoutException e) {
            throw new SourceUnavailableException("The sources did not answer within " + deadline.toSeconds()
                    + " seconds.", true, null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SourceUnavailableException unavailable) {
                throw unavailable;
            }
            throw new IllegalStateException("reading the sources failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceUnavailableException("The read was interrupted.", false, e);
        } finally {
            futures.forEach(f -> f.cancel(true));
        }
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
