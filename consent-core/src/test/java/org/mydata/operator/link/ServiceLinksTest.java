package org.mydata.operator.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mydata.operator.account.Account;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.failure.ConflictException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.VerifiedRecord;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.testing.TestOperator;

class ServiceLinksTest {
    @TempDir
    static Path keys;

    static TestOperator op;
    static FhirSource hospital;
    static FhirSource wellness;

    Account person;
    String patient;

    @BeforeAll
    static void startOperator() {
        op = new TestOperator(keys);
        hospital = op.source("Hospital A");
        wellness = op.source("Wellness B");
    }

    @BeforeEach
    void newPerson() {
        op.clock.set(TestOperator.START);
        person = op.newAccount();
        // A patient of this test's own: the operator keeps other tests' live links to theirs.
        patient = "pat-" + UUID.randomUUID();
    }

    @AfterEach
    void sourceAnswersAsByDefaultAgain() {
        op.lookup.set(TestOperator.ONE_PATIENT_PER_PERSON);
    }

    private long linkRows(Account account) {
        return op.count("select count(*) from service_link where account_id = ?", account.id());
    }

    @Test
    void linkSignsARecordWithTheSurrogateIdTheSourceFound() throws Exception {
        List<Object[]> asked = new ArrayList<>();
        op.lookup.set((source, who) -> {
            asked.add(new Object[] {source, who});
            return new PatientMatch.Found(patient);
        });
        Instant now = op.clock.instant();

        ServiceLink link = op.links.link(person, TestOperator.PERSON, hospital.id());

        assertThat(asked).hasSize(1);
        assertThat(((FhirSource) asked.get(0)[0]).id()).isEqualTo(hospital.id());
        assertThat(asked.get(0)[1]).isEqualTo(TestOperator.PERSON);

        assertThat(link.accountId()).isEqualTo(person.id());
        assertThat(link.sourceId()).isEqualTo(hospital.id());
        assertThat(link.surrogateId()).isEqualTo(patient);
        assertThat(link.createdAt()).isEqualTo(now);
        assertThat(link.isLive()).isTrue();

        VerifiedRecord slr = op.verifier().verify(link.record());
        assertThat(slr.type()).isEqualTo(RecordType.SERVICE_LINK);
        assertThat(slr.keyId()).isEqualTo(op.keyRing.activeKeyId());
        assertThat(slr.claims()).containsEntry("slr_id", link.id().toString())
                .containsEntry("account_id", person.id().toString())
                .containsEntry("service_id", hospital.id().toString())
                .containsEntry("surrogate_id", patient);
        assertThat(((Number) slr.claims().get("iat")).longValue()).isEqualTo(now.getEpochSecond());
        // the verified person identifier is personal data: it never goes into a record or the table
        assertThat(slr.claims().values().toString()).doesNotContain(TestOperator.PERSON.value());
        assertThat(op.count("select count(*) from service_link where record like ? or surrogate_id = ?",
                "%" + TestOperator.PERSON.value() + "%", TestOperator.PERSON.value())).isZero();

        assertThat(op.links.list(person)).containsExactly(link);
        assertThat(op.links.get(person, link.id())).isEqualTo(link);
    }

    @Test
    void aPersonTheSourceDoesNotKnowIsNotFoundAndNothingIsStored() {
        op.lookup.set((source, who) -> new PatientMatch.NotFound());
        assertThatThrownBy(() -> op.link(person, hospital)).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("Hospital A");
        assertThat(linkRows(person)).isZero();
    }

    @Test
    void anAmbiguousMatchIsAConflictAndNothingIsStored() {
        op.lookup.set((source, who) -> new PatientMatch.Ambiguous(2));
        assertThatThrownBy(() -> op.link(person, hospital)).isInstanceOf(ConflictException.class)
                .hasMessageContaining("several");
        assertThat(linkRows(person)).isZero();
    }

    @Test
    void aFailingSourceChangesNothing() {
        op.lookup.set((source, who) -> {
            throw new SourceUnavailableException("source did not answer", true, null);
        });
        assertThatThrownBy(() -> op.link(person, hospital)).isInstanceOf(SourceUnavailableException.class);
        assertThat(linkRows(person)).isZero();
    }

    @Test
    void anUnknownSourceIsNotFoundWithoutAskingAnySource() {
        List<FhirSource> asked = new ArrayList<>();
        op.lookup.set((source, who) -> {
            asked.add(source);
            return new PatientMatch.Found(patient);
        });
        assertThatThrownBy(() -> op.links.link(person, TestOperator.PERSON, UUID.randomUUID()))
                .isInstanceOf(NotFoundException.class);
        assertThat(asked).isEmpty();
        assertThat(linkRows(person)).isZero();
    }

    @Test
    void linkingTheSameSourceTwiceIsAConflict() {
        ServiceLink first = op.link(person, hospital);
        assertThatThrownBy(() -> op.link(person, hospital)).isInstanceOf(ConflictException.class)
                .hasMessageContaining("already linked");
        assertThat(linkRows(person)).isEqualTo(1);
        assertThat(op.links.list(person)).containsExactly(first);

        // another source, or another person at the same source, is fine
        ServiceLink second = op.link(person, wellness);
        Account other = op.newAccount();
        op.link(other, hospital);
        assertThat(op.links.list(person)).extracting(ServiceLink::id).containsExactlyInAnyOrder(first.id(), second.id());
    }

    @Test
    void twoConcurrentLinksToTheSameSourceLeaveExactlyOne() throws Exception {
        CyclicBarrier bothAsked = new CyclicBarrier(2);
        op.lookup.set((source, who) -> {
            try {
                // both requests pass the source lookup before either opens its transaction
                bothAsked.await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return new PatientMatch.Found(patient);
        });
        ExecutorService pool = Executors.newFixedThreadPool(2);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                calls.add(pool.submit(() -> {
                    try {
                        op.link(person, hospital);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (Future<?> call : calls) {
                call.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failures).hasSize(1);
        assertThat(failures.peek()).isInstanceOf(ConflictException.class);
        assertThat(linkRows(person)).isEqualTo(1);
    }

    @Test
    void aSecondAccountClaimingALinkedPatientIsAConflictThatTheOwnerSees() throws Exception {
        op.lookup.set((source, who) -> new PatientMatch.Found(patient));
        ServiceLink owned = op.link(person, hospital);
        Account claimant = op.newAccount();
        op.clock.advance(Duration.ofHours(1));
        Instant attempted = op.clock.instant();

        assertThatThrownBy(() -> op.link(claimant, hospital)).isInstanceOf(ConflictException.class)
                .hasMessageContaining("another account has already linked");
        assertThat(linkRows(claimant)).isZero();
        assertThat(op.links.refusedClaims(person)).containsExactly(new RefusedClaim(owned.id(), hospital.id(), attempted));
        assertThat(op.links.refusedClaims(claimant)).isEmpty();
        // The same patient at another source is another patient.
        op.link(claimant, wellness);

        // Once the owner removes the link, the patient is free; the owner relinking its own stays as it was.
        op.links.remove(person, owned.id());
        ServiceLink taken = op.link(claimant, hospital);
        assertThatThrownBy(() -> op.link(person, hospital)).isInstanceOf(ConflictException.class)
                .hasMessageContaining("another account has already linked");
        assertThat(op.links.refusedClaims(claimant)).extracting(RefusedClaim::linkId).containsExactly(taken.id());
    }

    @Test
    void theDatabaseHoldsOneLiveLinkPerSourcePatient() {
        op.lookup.set((source, who) -> new PatientMatch.Found(patient));
        ServiceLink link = op.link(person, hospital);
        Account other = op.newAccount();
        assertThatThrownBy(() -> op.execute("insert into service_link (id, account_id, source_id, surrogate_id, "
                + "record, created_at) values (?, ?, ?, ?, 'x', now())", UUID.randomUUID(), other.id(), hospital.id(),
                patient)).isInstanceOf(SQLException.class).hasMessageContaining("service_link_live_patient");
        assertThat(op.links.get(person, link.id()).isLive()).isTrue();
    }

    @Test
    void twoAccountsLinkingTheSamePatientOnTwoNodesAtOnceLeaveExactlyOneLinkAndAConflict() throws Exception {
        CyclicBarrier bothAsked = new CyclicBarrier(2);
        op.lookup.set((source, who) -> {
            try {
                bothAsked.await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return new PatientMatch.Found(patient);
        });
        // A second node: its own appender, the same database.
        ServiceLinks otherNode = new ServiceLinks(op.tx, op.sources,
                (source, who) -> op.lookup.get().findByIdentifier(source, who),
                new org.mydata.operator.log.LogAppender(op.dataSource, op.keyRing), op.clock);
        Account other = op.newAccount();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<ServiceLink> made = new ConcurrentLinkedQueue<>();
        try {
            List<Future<?>> calls = new ArrayList<>();
            calls.add(pool.submit(() -> attempt(() -> op.link(person, hospital), made, failures)));
            calls.add(pool.submit(() -> attempt(() -> otherNode.link(other, TestOperator.personOf(other), hospital.id()),
                    made, failures)));
            for (Future<?> call : calls) {
                call.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(made).hasSize(1);
        assertThat(failures).singleElement().isInstanceOf(ConflictException.class);
        assertThat(failures.peek()).hasMessageContaining("another account has already linked");
        assertThat(op.count("select count(*) from service_link where source_id = ? and surrogate_id = ?",
                hospital.id(), patient)).isEqualTo(1);
        Account owner = made.peek().accountId().equals(person.id()) ? person : other;
        assertThat(op.links.refusedClaims(owner)).extracting(RefusedClaim::linkId).containsExactly(made.peek().id());
    }

    private static void attempt(java.util.function.Supplier<ServiceLink> link, ConcurrentLinkedQueue<ServiceLink> made,
                                ConcurrentLinkedQueue<Throwable> failures) {
        try {
            made.add(link.get());
        } catch (Throwable e) {
            failures.add(e);
        }
    }

    @Test
    void removeSignsARemovalRecordAndEndsTheLink() throws Exception {
        ServiceLink link = op.link(person, hospital);
        op.clock.advance(Duration.ofDays(3));
        Instant now = op.clock.instant();

        ServiceLink removed = op.links.remove(person, link.id());

        assertThat(removed.isLive()).isFalse();
        assertThat(removed.removedAt()).isEqualTo(now);
        assertThat(removed.record()).isEqualTo(link.record());
        VerifiedRecord removal = op.verifier().verify(removed.removalRecord());
        assertThat(removal.type()).isEqualTo(RecordType.SERVICE_LINK_REMOVAL);
        assertThat(removal.claims()).containsEntry("slr_id", link.id().toString())
                .containsEntry("account_id", person.id().toString())
                .containsEntry("removed", true);
        assertThat(((Number) removal.claims().get("iat")).longValue()).isEqualTo(now.getEpochSecond());
        // the original link record still verifies, as a link record, unchanged
        assertThat(op.verifier().verify(removed.record()).type()).isEqualTo(RecordType.SERVICE_LINK);

        ServiceLink stored = op.links.get(person, link.id());
        assertThat(stored).isEqualTo(removed);

        assertThatThrownBy(() -> op.links.remove(person, link.id())).isInstanceOf(ConflictException.class)
                .hasMessageContaining("already removed");
        assertThat(op.links.get(person, link.id()).removalRecord()).isEqualTo(removed.removalRecord());

        // the removed link stays as history and the source can be linked afresh
        ServiceLink again = op.link(person, hospital);
        assertThat(again.id()).isNotEqualTo(link.id());
        assertThat(op.links.list(person)).extracting(ServiceLink::id).containsExactly(link.id(), again.id());
    }

    @Test
    void anotherPersonsLinkIsNotFound() {
        ServiceLink link = op.link(person, hospital);
        Account stranger = op.newAccount();

        assertThatThrownBy(() -> op.links.remove(stranger, link.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> op.links.get(stranger, link.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> op.links.remove(person, UUID.randomUUID())).isInstanceOf(NotFoundException.class);
        assertThat(op.links.list(stranger)).isEmpty();
        assertThat(op.links.get(person, link.id()).isLive()).isTrue();
    }

    @Test
    void theDatabaseRefusesToRewriteALinkRecord() {
        ServiceLink link = op.link(person, hospital);
        assertThatThrownBy(() -> op.execute("update service_link set surrogate_id = 'pat-2' where id = ?", link.id()))
                .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
        assertThatThrownBy(() -> op.execute("update service_link set record = 'forged' where id = ?", link.id()))
                .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
        assertThat(op.links.get(person, link.id())).isEqualTo(link);
    }

    @Test
    void personIdentifiersParseFromTheTokenForm() {
        assertThat(PersonIdentifier.parse("urn:oid:1.2.246.21|010190-123A"))
                .isEqualTo(new PersonIdentifier("urn:oid:1.2.246.21", "010190-123A"));
        assertThat(TestOperator.PERSON.asToken()).isEqualTo("urn:oid:1.2.246.21|010190-123A");
        assertThat(TestOperator.PERSON.toString()).doesNotContain("010190-123A");
        for (String bad : new String[] {null, "no-bar", "|value", "system|", "a|b|c"}) {
            assertThatThrownBy(() -> PersonIdentifier.parse(bad))
                    .isInstanceOf(org.mydata.operator.failure.InvalidRequestException.class);
        }
    }
}
