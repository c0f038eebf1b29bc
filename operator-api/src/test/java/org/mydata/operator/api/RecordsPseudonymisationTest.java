package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.util.FhirTerser;
import com.nimbusds.jose.jwk.RSAKey;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.assertj.core.api.SoftAssertions;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.leakscan.SourcePopulation;
import org.mydata.operator.api.leakscan.SyntheaPopulation;
import org.mydata.operator.gateway.demo.DemoFhirSource;
import org.mydata.operator.gateway.pseudonym.Pseudonymiser;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.permit.Permits;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Issue 21: record-level releases carry no avoidable route back to the person. A Synthea population made here
 * with settings unlike the demo's and the leak scan's (another seed, Burlington in Vermont, ages 60 to 100 the
 * dead included) is consented in full and released to two permits of two research
 * projects through {@code $export} and search. On what leaves, from outside, with the source data beside it:
 * <ul>
 *   <li>no offset recoverable from birth or death: both are released with no day (a birth year or band, a death
 *       boolean), and no released date was on a person's true birth or death day;</li>
 *   <li>no time-of-day fingerprint: the same source event differs between the permits by an amount that is one
 *       per person, never whole days, and not the same for everyone;</li>
 *   <li>no Observation outside the default categories (vital signs, laboratory): no survey answer;</li>
 *   <li>top-coding consistent: no released birth year implies an age over 89, no date of a person lies before their
 *       released birth year, no age quantity over 89;</li>
 *   <li>every combination of released Patient demographics holds at least k persons;</li>
 *   <li>every released code is held by at least k persons of the cohort (or is an ICD-10 category that is).</li>
 * </ul>
 * Prints the steward's uniqueness figures before and after, and the share of persons linked across the permits
 * by matching times of day and by matching day gaps.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RecordsPseudonymisationTest {
    /**
     * Small on purpose: Synthea simulates each life whole, and lives of 60 to 100 years, with the many who die on
     * the way (each a life simulated too), cost about 5 s of CPU each; 11 living persons come with about as many
     * dead. Five years of history are exported, as for the leak scan (whole lives are 100,000 resources each).
     */
    static final SyntheaPopulation.Settings POPULATION = new SyntheaPopulation.Settings("2112", 11, "60-100",
            "Vermont", "Burlington", 5);
    static final int K = 5;
    private static final List<String> TYPES = SourcePopulation.BROKERED;
    private static final Set<String> DEFAULT_CATEGORIES = Set.of("vital-signs", "laboratory");

    /** As the leak scan: an operator of its own, with production-like bounds for a whole population's release. */
    @DynamicPropertySource
    static void generousDeadlines(DynamicPropertyRegistry registry) throws java.io.IOException {
        String dataDir = Files.createTempDirectory("operator-records").toString();
        registry.add("operator.data-dir", () -> dataDir);
        registry.add("operator.gateway.read-timeout", () -> "30s");
        registry.add("operator.gateway.deadline", () -> "180s");
        registry.add("operator.gateway.source-concurrency", () -> "4");
        registry.add("operator.gateway.source-queue", () -> "16");
        registry.add("operator.gateway.max-response-size", () -> "16MB");
        registry.add("operator.gateway.max-pages-per-call", () -> "1000");
    }

    @Autowired
    RSAKey tokenSigningKey;

    @Autowired
    Permits permits;

    @Autowired
    FhirContext fhirContext;

    @LocalServerPort
    int port;

    private OperatorHttp http;
    private ResearchFixtures fixtures;

    @BeforeEach
    void roles() {
        http = new OperatorHttp(port);
        fixtures = new ResearchFixtures(http);
    }

    @AfterAll
    static void stopSources() throws Exception {
        GeneratedSources.stop();
    }

    /** One person at the source: their resources, true birth and death days, and account. */
    private static final class Person {
        final String patientId;
        final List<Resource> resources = new ArrayList<>();
        LocalDate born;
        LocalDate died;
        UUID account;

        Person(String patientId) {
            this.patientId = patientId;
        }
    }

    /** A permit's release: every resource, and how its ids map back to the source. */
    private record Release(String permitId, Pseudonymiser names, List<Resource> resources, JsonNode manifest) {
    }

    @Test
    void recordLevelReleasesCarryNoAvoidableRouteBackToThePerson() throws Exception {
        Path dataset = SyntheaPopulation.get(Path.of("").toAbsolutePath(), POPULATION);
        IParser parser = fhirContext.newJsonParser();
        List<Resource> all = new ArrayList<>();
        try (InputStream in = Files.newInputStream(dataset)) {
            SourcePopulation.read(POPULATION.describe(), in, line -> all.add((Resource) parser.parseResource(line)));
        }
        Map<String, Person> persons = new LinkedHashMap<>();
        for (Resource r : all) {
            if (r instanceof Patient p) {
                Person person = persons.computeIfAbsent(p.getIdElement().getIdPart(), Person::new);
                person.born = LocalDate.parse(p.getBirthDateElement().getValueAsString());
                if (p.hasDeceasedDateTimeType()) {
                    DateTimeType d = p.getDeceasedDateTimeType();
                    person.died = LocalDate.of(d.getYear(), d.getMonth() + 1, d.getDay());
                }
            }
        }
        Map<String, Resource> bySourceKey = new HashMap<>();
        for (Resource r : all) {
            BrokeredTypes.of(r).ifPresent(type -> {
                String subject = type.isPatient() ? r.getIdElement().getIdPart()
                        : type.subject().apply(r).getReferenceElement().getIdPart();
                Person person = persons.get(subject);
                if (person != null) {
                    person.resources.add(r);
                    bySourceKey.put(r.fhirType() + "/" + r.getIdElement().getIdPart(), r);
                }
            });
        }
        long dead = persons.values().stream().filter(p -> p.died != null).count();
        long over89 = persons.values().stream().filter(p -> !p.born.plusYears(90).isAfter(LocalDate.now())).count();
        System.out.printf("[records] %s: %d persons, %d dead, %d aged 90 or more, %d resources%n",
                POPULATION.describe(), persons.size(), dead, over89, bySourceKey.size());
        assertThat(dead).as("the population holds the dead").isPositive();
        assertThat(over89).as("the population holds persons over 89").isPositive();

        String base = GeneratedSources.mount(Map.of("/burlington/fhir", new DemoFhirSource(fhirContext, all)));
        UUID source = GeneratedSources.source(http, fixtures, "Burlington (generated) " + UUID.randomUUID(),
                base + "/burlington/fhir");
        SOURCE_ID.set(source);
        all.clear();
        String programme = fixtures.programme(TYPES);
        String run = UUID.randomUUID().toString().substring(0, 8);
        SourcePopulation identifiers;
        try (InputStream in = Files.newInputStream(dataset)) {
            identifiers = SourcePopulation.read(POPULATION.describe(), in, line -> { });
        }
        for (Person person : persons.values()) {
            String citizen = GeneratedSources.citizenToken(tokenSigningKey, http.base(), "records-" + run + "-"
                    + person.patientId, identifiers.persons.get(person.patientId).linkIdentifier());
            OperatorHttp.Reply linked = http.post("/api/v1/me/links", citizen, Map.of("sourceId", source));
            assertThat(linked.status()).as(linked.body()).isEqualTo(201);
            person.account = GeneratedSources.Link.of(linked.json()).accountId();
            fixtures.consent(citizen, programme, List.of(source.toString()), null);
        }

        // The steward reads the risk report before approving; the signed permit quotes it.
        String requestA = fixtures.request(programme, Map.of("resourceTypes", TYPES), "Records A");
        OperatorHttp.Reply refused = http.get("/api/v1/requests/" + requestA + "/risk", fixtures.researcher);
        assertThat(refused.status()).as("the risk report is the steward's").isEqualTo(403);
        OperatorHttp.Reply risk = http.get("/api/v1/requests/" + requestA + "/risk", fixtures.steward);
        assertThat(risk.status()).as(risk.body()).isEqualTo(200);
        JsonNode figures = risk.json().get("figures");
        System.out.println("[records] the steward's risk report: " + risk.body());
        String permitA = fixtures.approve(requestA);
        JsonNode permitRecord = OperatorHttp.JSON.readTree(new String(Base64.getUrlDecoder().decode(
                http.get("/api/v1/permits/" + permitA, fixtures.researcher).json().get("record").asString()
                        .split("\\.")[1]), java.nio.charset.StandardCharsets.UTF_8));
        assertThat(permitRecord.at("/decision/risk/hash").asString()).isEqualTo(risk.json().get("hash").asString());
        String permitB = fixtures.approvedPermit(programme, TYPES, "Records B");

        Release a = export(permitA);
        Release b = export(permitB);
        // Search and read take the same release path as $export: the same resources, byte for byte.
        searchAgrees(a, "Patient?_count=500");
        searchAgrees(a, "Condition?_count=500");

        SoftAssertions softly = new SoftAssertions();
        for (Release release : List.of(a, b)) {
            check(release, persons, bySourceKey, softly);
        }
        fingerprints(a, b, persons, bySourceKey, softly);
        System.out.printf("[records] uniqueness on (birth year, sex): %.1f%% before, %.1f%% after; with code sets: "
                        + "%.1f%% before, %.1f%% after; smallest class %d; rare codes %d (%d generalised, %d dropped)%n",
                100 * figures.get("unique_birth_year_sex_before").asDouble(),
                100 * figures.get("unique_birth_year_sex_after").asDouble(),
                100 * figures.get("unique_with_codes_before").asDouble(),
                100 * figures.get("unique_with_codes_after").asDouble(), figures.get("smallest_class").asInt(),
                figures.get("rare_codes").asInt(), figures.get("generalised_codes").asInt(),
                figures.get("dropped_codes").asInt());
        System.out.println("[records] export manifest extension: " + a.manifest().get("extension"));
        softly.assertThat(figures.get("smallest_class").asInt()).isGreaterThanOrEqualTo(K);
        softly.assertThat(a.manifest().at("/extension/deidentification/plan/persons").asInt())
                .isEqualTo(persons.size());
        JsonNode counted = a.manifest().at("/extension/deidentification");
        softly.assertThat(counted.get("droppedCodes").asLong() + counted.get("generalisedCodes").asLong())
                .as("the manifest counts the rare codes' values it dropped or generalised").isPositive();
        softly.assertAll();
    }

    private Release export(String permit) throws Exception {
        HttpResponse<String> kickOff = BulkClient.get(http.base() + "/fhir/" + permit + "/$export",
                fixtures.researcher, "Prefer", "respond-async");
        assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
        String status = kickOff.headers().firstValue("Content-Location").orElseThrow();
        HttpResponse<String> done = BulkClient.poll(status, fixtures.researcher, Duration.ofMinutes(5));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        JsonNode manifest = OperatorHttp.JSON.readTree(done.body());
        IParser parser = fhirContext.newJsonParser();
        List<Resource> resources = new ArrayList<>();
        for (JsonNode output : manifest.get("output")) {
            HttpResponse<String> file = BulkClient.get(output.get("url").asString(), fixtures.researcher, "Accept",
                    "application/fhir+ndjson");
            assertThat(file.statusCode()).isEqualTo(200);
            for (String line : file.body().split("\n")) {
                if (!line.isBlank()) {
                    resources.add((Resource) parser.parseResource(line));
                }
            }
        }
        Permits.UsablePermit usable = permits.forUse(UUID.fromString(permit), "researcher-demo", Instant.now())
                .orElseThrow();
        return new Release(permit, new Pseudonymiser(usable.key(), TYPES, Clock.systemUTC()), resources, manifest);
    }

    private void searchAgrees(Release release, String query) {
        IParser parser = fhirContext.newJsonParser();
        Map<String, String> exported = new HashMap<>();
        release.resources().forEach(r -> exported.put(r.fhirType() + "/" + r.getIdElement().getIdPart(),
                parser.encodeResourceToString(r)));
        String next = http.base() + "/fhir/" + release.permitId() + "/" + query;
        int seen = 0;
        while (next != null) {
            HttpResponse<String> page = BulkClient.get(next, fixtures.researcher);
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            JsonNode bundle = OperatorHttp.JSON.readTree(page.body());
            for (JsonNode entry : bundle.path("entry")) {
                Resource found = (Resource) parser.parseResource(entry.get("resource").toString());
                found.setMeta(null);
                String key = found.fhirType() + "/" + found.getIdElement().getIdPart();
                assertThat(parser.encodeResourceToString(found)).as(key).isEqualTo(exported.get(key));
                seen++;
            }
            next = null;
            for (JsonNode link : bundle.path("link")) {
                if (link.path("relation").asString("").equals("next")) {
                    next = link.get("url").asString();
                }
            }
        }
        assertThat(seen).as(query).isPositive();
    }

    private static String subjectOf(Resource released) {
        if (released instanceof Patient) {
            return released.getIdElement().getIdPart();
        }
        Reference subject = BrokeredTypes.of(released).orElseThrow().subject().apply(released);
        return subject == null ? null : subject.getReferenceElement().getIdPart();
    }

    private void check(Release release, Map<String, Person> persons, Map<String, Resource> bySourceKey,
                       SoftAssertions softly) {
        FhirTerser terser = fhirContext.newTerser();
        int referenceYear = LocalDate.now(ZoneOffset.UTC).getYear();
        Map<String, Person> byPatient = new HashMap<>();
        persons.values().forEach(p -> byPatient.put(release.names().person(p.account), p));
        Map<String, Integer> bornIn = new HashMap<>();
        Map<String, Integer> classes = new TreeMap<>();
        for (Resource r : release.resources()) {
            if (r instanceof Patient p) {
                softly.assertThat(p.hasDeceasedDateTimeType()).as("a death date leaves as no date").isFalse();
                if (p.hasBirthDate()) {
                    softly.assertThat(p.getBirthDateElement().getPrecision()).as("a birth date leaves as a year")
                            .isEqualTo(TemporalPrecisionEnum.YEAR);
                    softly.assertThat(p.getBirthDateElement().getYear()).as("no birth year implies an age over 89")
                            .isGreaterThanOrEqualTo(referenceYear - 90);
                    bornIn.put(p.getIdElement().getIdPart(), p.getBirthDateElement().getYear());
                }
                String key = p.getBirthDateElement().getValueAsString() + "|"
                        + (p.getExtensionByUrl(Pseudonymiser.BIRTH_YEAR_BAND) == null ? "" : fhirContext.newJsonParser()
                        .encodeToString(p.getExtensionByUrl(Pseudonymiser.BIRTH_YEAR_BAND))) + "|"
                        + p.getGenderElement().getValueAsString() + "|" + (p.hasDeceased() ? p.getDeceased().primitiveValue()
                        : "") + "|" + p.getAddress().stream().map(ad -> ad.getCountry()).toList();
                classes.merge(key, 1, Integer::sum);
            }
        }
        softly.assertThat(classes.values()).as("every released demographic combination holds %d persons: %s", K,
                classes).allMatch(n -> n >= K);

        // Who holds what at the source: a released code must be held by k persons (or be an ICD-10 category).
        Map<String, Set<String>> holders = new HashMap<>();
        for (Person p : persons.values()) {
            for (Resource r : p.resources) {
                for (Coding c : terser.getAllPopulatedChildElementsOfType(r, Coding.class)) {
                    holders.computeIfAbsent(c.getSystem() + "|" + c.getCode(), x -> new HashSet<>()).add(p.patientId);
                    if (c.getSystem() != null && c.getSystem().contains("icd-10") && c.getCode().length() > 3) {
                        holders.computeIfAbsent(c.getSystem() + "|" + c.getCode().replace(".", "").substring(0, 3),
                                x -> new HashSet<>()).add(p.patientId);
                    }
                }
            }
        }
        Set<String> rareReleased = new HashSet<>();
        int guardedDays = 0;
        int beforeBirthYear = 0;
        int agesOver89 = 0;
        Set<String> outOfScope = new HashSet<>();
        for (Resource r : release.resources()) {
            for (Coding c : terser.getAllPopulatedChildElementsOfType(r, Coding.class)) {
                String code = c.getSystem() + "|" + c.getCode();
                if (holders.getOrDefault(code, Set.of()).size() < K) {
                    rareReleased.add(code);
                }
            }
            if (r instanceof Observation o) {
                boolean inScope = o.getCategory().stream().flatMap(cc -> cc.getCoding().stream())
                        .anyMatch(c -> DEFAULT_CATEGORIES.contains(c.getCode()));
                if (!inScope) {
                    outOfScope.add(o.getCode().getCodingFirstRep().getCode());
                }
            }
            for (Quantity q : terser.getAllPopulatedChildElementsOfType(r, Quantity.class)) {
                if (("a".equals(q.getCode()) || "a".equals(q.getUnit())) && q.getValue() != null
                        && q.getValue().intValue() > 89 && !(r instanceof Patient)) {
                    agesOver89++;
                }
            }
            if (r instanceof Patient) {
                continue;
            }
            String patient = subjectOf(r);
            Person person = byPatient.get(patient);
            Integer floor = bornIn.get(patient);
            long shift = person == null ? 0 : release.names().shiftSeconds(person.account);
            for (BaseDateTimeType date : terser.getAllPopulatedChildElementsOfType(r, BaseDateTimeType.class)) {
                if (floor != null && date.getYear() < floor) {
                    beforeBirthYear++;
                }
                if (person != null && date.getPrecision().ordinal() >= TemporalPrecisionEnum.DAY.ordinal()) {
                    // Undo the offset (what only the operator can do) and look at the day it was on.
                    LocalDate trueDay = date.getPrecision() == TemporalPrecisionEnum.DAY
                            ? LocalDate.parse(date.getValueAsString()).minusDays(release.names().dayShift(person.account))
                            : new DateTimeType(new java.util.Date(date.getValue().getTime() - shift * 1000),
                            TemporalPrecisionEnum.SECOND, date.getTimeZone()).getValue().toInstant()
                            .atZone(date.getTimeZone().toZoneId()).toLocalDate();
                    if (trueDay.equals(person.born) || trueDay.equals(person.died)) {
                        guardedDays++;
                    }
                }
            }
        }
        softly.assertThat(rareReleased).as("%s: codes held by fewer than %d persons released", release.permitId(), K)
                .isEmpty();
        softly.assertThat(outOfScope).as("Observations outside the default categories (survey answers)").isEmpty();
        softly.assertThat(guardedDays).as("dates released that were on the person's birth or death day").isZero();
        softly.assertThat(beforeBirthYear).as("dates released before the person's released birth year").isZero();
        softly.assertThat(agesOver89).as("ages over 89 released").isZero();
        softly.assertThat(release.resources().stream().filter(r -> !(r instanceof Patient)).count())
                .as("the release holds clinical data").isPositive();
    }

    /**
     * The same source event in the two permits: one difference per person, never whole days, not one for all.
     * Then the outside attacker's view, with no source at hand: persons of A matched to persons of B by their
     * Encounters' times of day, and by the day gaps between their Encounters.
     */
    private void fingerprints(Release a, Release b, Map<String, Person> persons, Map<String, Resource> bySourceKey,
                              SoftAssertions softly) {
        Map<String, Map<String, Long>> differences = new HashMap<>();
        for (Person p : persons.values()) {
            for (Resource r : p.resources) {
                if (r instanceof Encounter) {
                    String key = r.getIdElement().getIdPart();
                    differences.computeIfAbsent(p.patientId, x -> new HashMap<>()).put(key, null);
                }
            }
        }
        Map<String, Long> startA = starts(a, persons);
        Map<String, Long> startB = starts(b, persons);
        Set<Long> perPerson = new HashSet<>();
        int personsCompared = 0;
        for (Person p : persons.values()) {
            Set<Long> mine = new HashSet<>();
            for (String encounter : differences.getOrDefault(p.patientId, Map.of()).keySet()) {
                Long ta = startA.get(encounter);
                Long tb = startB.get(encounter);
                if (ta != null && tb != null) {
                    mine.add(ta - tb);
                }
            }
            if (mine.isEmpty()) {
                continue;
            }
            personsCompared++;
            softly.assertThat(mine).as("one offset difference per person").hasSize(1);
            long d = mine.iterator().next();
            softly.assertThat(Math.floorMod(d, 86_400L)).as("the permits' times of day differ").isNotZero();
            perPerson.add(d);
        }
        softly.assertThat(perPerson.size()).as("the difference is not one for everyone").isGreaterThan(1);
        double linkedByTime = linked(a, b, persons, true);
        double linkedByGaps = linked(a, b, persons, false);
        System.out.printf("[records] cross-permit linkage of %d persons: %.1f%% by times of day, %.1f%% by day gaps "
                        + "between encounters (the residual risk the steward is told of)%n", personsCompared,
                100 * linkedByTime, 100 * linkedByGaps);
        softly.assertThat(linkedByTime).as("persons linked across permits by their times of day").isLessThan(0.05);
    }

    /** Source Encounter id -> released start (epoch seconds), through the permit's pseudonyms. */
    private static Map<String, Long> starts(Release release, Map<String, Person> persons) {
        Map<String, String> byReleasedId = new HashMap<>();
        for (Person p : persons.values()) {
            for (Resource r : p.resources) {
                if (r instanceof Encounter) {
                    byReleasedId.put(release.names().id("Encounter", SOURCE_ID.get(), r.getIdElement().getIdPart()),
                            r.getIdElement().getIdPart());
                }
            }
        }
        Map<String, Long> starts = new HashMap<>();
        for (Resource r : release.resources()) {
            if (r instanceof Encounter e && e.getPeriod().hasStart()) {
                String source = byReleasedId.get(e.getIdElement().getIdPart());
                if (source != null) {
                    starts.put(source, e.getPeriod().getStart().getTime() / 1000);
                }
            }
        }
        return starts;
    }

    /** Share of A's persons whose fingerprint (times of day, or day gaps) matches exactly one person of B, the right one. */
    private static double linked(Release a, Release b, Map<String, Person> persons, boolean timesOfDay) {
        Map<String, List<Long>> fa = fingerprint(a, timesOfDay);
        Map<String, List<Long>> fb = fingerprint(b, timesOfDay);
        int linked = 0;
        int compared = 0;
        for (Person p : persons.values()) {
            List<Long> mine = fa.get(a.names().person(p.account));
            if (mine == null || mine.size() < 2) {
                continue;
            }
            compared++;
            List<String> matches = fb.entrySet().stream().filter(e -> e.getValue().equals(mine)).map(Map.Entry::getKey)
                    .toList();
            if (matches.equals(List.of(b.names().person(p.account)))) {
                linked++;
            }
        }
        return compared == 0 ? 0 : linked / (double) compared;
    }

    private static Map<String, List<Long>> fingerprint(Release release, boolean timesOfDay) {
        Map<String, List<Long>> starts = new HashMap<>();
        for (Resource r : release.resources()) {
            if (r instanceof Encounter e && e.getPeriod().hasStart()) {
                starts.computeIfAbsent(e.getSubject().getReferenceElement().getIdPart(), x -> new ArrayList<>())
                        .add(e.getPeriod().getStart().getTime() / 1000);
            }
        }
        Map<String, List<Long>> prints = new HashMap<>();
        starts.forEach((patient, times) -> {
            times.sort(null);
            List<Long> print = new ArrayList<>();
            for (int i = 0; i < times.size(); i++) {
                if (timesOfDay) {
                    print.add(Math.floorMod(times.get(i), 86_400L));
                } else if (i > 0) {
                    print.add(Math.floorDiv(times.get(i), 86_400L) - Math.floorDiv(times.get(i - 1), 86_400L));
                }
            }
            if (timesOfDay) {
                print.sort(null);
            }
            prints.put(patient, print);
        });
        return prints;
    }

    private static final java.util.concurrent.atomic.AtomicReference<UUID> SOURCE_ID =
            new java.util.concurrent.atomic.AtomicReference<>();
}
