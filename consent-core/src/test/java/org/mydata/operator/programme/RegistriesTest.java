package org.mydata.operator.programme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.account.Account;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.NewSource;
import org.mydata.operator.source.SourceAuth;
import org.mydata.operator.source.SourceRegistry;
import org.mydata.operator.testing.TestOperator;

/** Accounts, sources and programmes: the catalogue the consents build on, stored in PostgreSQL. */
class RegistriesTest {
    @TempDir
    static Path keys;

    static TestOperator op;

    @BeforeAll
    static void start() {
        op = new TestOperator(keys);
    }

    // ---------------------------------------------------------------- accounts

    @Test
    void anAccountIsMadeOnFirstUseAndFoundAfterwards() {
        Account first = op.accounts.forSubject("subject-" + UUID.randomUUID());
        Account again = op.accounts.forSubject(first.subject());
        assertThat(again).isEqualTo(first);
        assertThat(first.createdAt()).isEqualTo(TestOperator.START);
        assertThat(op.accounts.forSubject("subject-" + UUID.randomUUID()).id()).isNotEqualTo(first.id());
    }

    @Test
    void concurrentFirstCallsGetTheSameAccount() throws Exception {
        String subject = "subject-" + UUID.randomUUID();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Account>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(pool.submit(() -> {
                    go.await();
                    return op.accounts.forSubject(subject);
                }));
            }
            go.countDown();
            List<UUID> ids = new ArrayList<>();
            for (Future<Account> call : calls) {
                ids.add(call.get(30, TimeUnit.SECONDS).id());
            }
            assertThat(ids).containsOnly(ids.get(0));
        } finally {
            pool.shutdownNow();
        }
        assertThat(op.count("select count(*) from account where subject = ?", subject)).isEqualTo(1);
    }

    // ---------------------------------------------------------------- sources

    @Test
    void sourcesAreStoredWithTheirAuthAndWithoutATrailingSlash() {
        FhirSource open = op.sources.register(new NewSource("  Open Hospital  ", "https://open.example/fhir/", null));
        FhirSource basic = op.sources.register(new NewSource("Basic Hospital", "http://basic.example/fhir",
                new SourceAuth.Basic("operator", "s3cret")));
        SourceAuth.ClientCredentials cc = new SourceAuth.ClientCredentials(URI.create("https://idp.example/token"),
                "operator-client", "client-s3cret", "system/*.read");
        FhirSource smart = op.sources.register(new NewSource("Smart Hospital", "https://smart.example/r4", cc));

        assertThat(open.name()).isEqualTo("Open Hospital");
        assertThat(open.fhirBaseUrl()).isEqualTo(URI.create("https://open.example/fhir"));
        assertThat(open.auth()).isEqualTo(new SourceAuth.None());
        assertThat(op.sources.get(open.id())).isEqualTo(open);
        assertThat(op.sources.get(basic.id()).auth()).isEqualTo(new SourceAuth.Basic("operator", "s3cret"));
        assertThat(op.sources.get(smart.id()).auth()).isEqualTo(cc);
        assertThat(op.sources.list()).extracting(FhirSource::id).contains(open.id(), basic.id(), smart.id());
        // secrets never show in logs through toString
        assertThat(basic.auth().toString()).doesNotContain("s3cret");
        assertThat(cc.toString()).doesNotContain("client-s3cret");
        assertThatThrownBy(() -> op.sources.get(UUID.randomUUID())).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aSourceNeedsANameAndAnAbsoluteHttpUrl() {
        long before = op.count("select count(*) from fhir_source");
        for (NewSource bad : List.of(new NewSource(" ", "https://x.example", null),
                new NewSource("X", "ftp://x.example/fhir", null),
                new NewSource("X", "/relative/fhir", null),
                new NewSource("X", "https://x.example/ fhir", null))) {
            assertThatThrownBy(() -> op.sources.register(bad)).as(bad.toString())
                    .isInstanceOf(InvalidRequestException.class);
        }
        assertThat(op.count("select count(*) from fhir_source")).isEqualTo(before);
    }

    @Test
    void authPartsAreCheckedByType() {
        assertThat(SourceRegistry.auth(null, null, null, null, null, null, null)).isEqualTo(new SourceAuth.None());
        assertThat(SourceRegistry.auth("basic", "u", "p", null, null, null, null)).isEqualTo(new SourceAuth.Basic("u", "p"));
        assertThat(SourceRegistry.auth("client_credentials", null, null, "https://idp.example/t", "c", "s", " "))
                .isEqualTo(new SourceAuth.ClientCredentials(URI.create("https://idp.example/t"), "c", "s", null));
        InvalidRequestException noPassword = catchThrowableOfType(InvalidRequestException.class,
                () -> SourceRegistry.auth("basic", "u", null, null, null, null, null));
        assertThat(noPassword.field()).isEqualTo("auth.password");
        InvalidRequestException type = catchThrowableOfType(InvalidRequestException.class,
                () -> SourceRegistry.auth("kerberos", null, null, null, null, null, null));
        assertThat(type.field()).isEqualTo("auth.type");
    }

    // ---------------------------------------------------------------- programmes

    @Test
    void aProgrammeIsStoredAndReadBackWhole() {
        Programme created = op.programmes.create(new NewProgramme("Diabetes registry " + UUID.randomUUID(),
                "Type 2 diabetes outcomes", "Diabetes Institute",
                List.of("dpv-health:HealthcareScientificResearch", "dpv:DataAltruism", "dpv:DataAltruism"),
                new DataScope(List.of("Patient", "Observation"), LocalDate.parse("2010-01-01"), LocalDate.parse("2025-12-31")),
                "https://diabetes.example/terms", "1.0", List.of("alice@diabetes.example", "alice@diabetes.example")));

        assertThat(created.purposes()).containsExactly(Purpose.HEALTHCARE_SCIENTIFIC_RESEARCH, Purpose.DATA_ALTRUISM);
        assertThat(created.stewards()).containsExactly("alice@diabetes.example");
        Programme read = op.programmes.get(created.id());
        assertThat(read).isEqualTo(created);
        assertThat(op.programmes.findByName(created.name())).contains(created);
        assertThat(op.programmes.list()).contains(created);
        assertThatThrownBy(() -> op.programmes.get(UUID.randomUUID())).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aProgrammeWithAnUnknownPurposeOrTypeOrNoStewardIsRefused() {
        long before = op.count("select count(*) from programme");
        DataScope scope = DataScope.ofTypes(List.of("Observation"));
        record Case(NewProgramme request, String field) {
        }
        List<Case> cases = List.of(
                new Case(new NewProgramme("P", "d", "o", List.of("dpv:Marketing"), scope, "https://t.example", "1",
                        List.of("s")), "purposes"),
                new Case(new NewProgramme("P", "d", "o", List.of(), scope, "https://t.example", "1", List.of("s")),
                        "purposes"),
                new Case(new NewProgramme("P", "d", "o", List.of("dpv:ScientificResearch"),
                        DataScope.ofTypes(List.of("Obs")), "https://t.example", "1", List.of("s")),
                        "scope.resourceTypes"),
                new Case(new NewProgramme("P", "d", "o", List.of("dpv:ScientificResearch"), null, "https://t.example",
                        "1", List.of("s")), "scope"),
                new Case(new NewProgramme("P", "d", "o", List.of("dpv:ScientificResearch"), scope, "not a uri", "1",
                        List.of("s")), "termsUri"),
                new Case(new NewProgramme("P", "d", "o", List.of("dpv:ScientificResearch"), scope, "https://t.example",
                        "1", List.of()), "stewards"),
                new Case(new NewProgramme("", "d", "o", List.of("dpv:ScientificResearch"), scope, "https://t.example",
                        "1", List.of("s")), "name"));
        for (Case c : cases) {
            InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
                    () -> op.programmes.create(c.request()));
            assertThat(e).as(c.toString()).isNotNull();
            assertThat(e.field()).as(c.toString()).isEqualTo(c.field());
        }
        assertThat(op.count("select count(*) from programme")).isEqualTo(before);
    }
}
