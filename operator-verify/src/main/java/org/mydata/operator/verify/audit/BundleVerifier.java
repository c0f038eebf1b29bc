package org.mydata.operator.verify.audit;

import com.nimbusds.jose.jwk.JWKSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.verify.access.AccessEntry;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.verify.access.ReadAccessEntry;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.ConsistencyProof;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.InvalidProofException;
import org.mydata.operator.verify.log.LogVerifier;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.verify.release.ConsentModes;
import org.mydata.operator.verify.signing.RecordVerifier;

/**
 * Checks one consent's audit bundle with nothing but the operator's JWKS, and optionally a checkpoint the
 * auditor kept from an earlier visit: no database, no network. It answers "was this consent honoured?":
 *
 * <ul>
 * <li>{@code checkpoint}: the checkpoint's JWS verifies ({@code checkpoint+jwt}) and says what the bundle
 * states (size, root, time);</li>
 * <li>{@code consistency}: the kept checkpoint and the bundle's are one history (RFC 9162 consistency);</li>
 * <li>{@code signature}: every record's JWS verifies with the key its {@code kid} names, and its {@code typ}
 * is the kind the bundle lists it as;</li>
 * <li>{@code inclusion}: every record and access event is in the checkpoint's tree at its stated index;</li>
 * <li>{@code consent} and {@code links}: one consent record, for this consent; every service link it names is
 * in the bundle, the person's, made before the consent, and removed (if at all) after it was made;</li>
 * <li>{@code claims}, {@code chain}, {@code withdrawal final}: the status chain (see {@link StatusChain});</li>
 * <li>{@code access}: each access event reads as {@link AccessEntry} (a readable {@code iat} included) and
 * relied on this consent only where the consent record preceded it and the release policy held the consent in
 * force: active and linked at the event's log position, valid at its {@code iat} (see {@link ReliedOn}, which
 * the full-log audit judges through as well); and within the terms of its permit (valid at its {@code iat}, naming
 * its types) and of the consent (purposes covering the permit's, types, a data period sharing a day with the
 * permit's; see {@link SignedTerms}).</li>
 * </ul>
 *
 * In a person's own bundle, an access event whose entry also names other persons comes without its entry
 * ({@link AuditBundle.Withheld}): its inclusion is checked, and a {@code withheld} check says that its content
 * was not.
 *
 * <p>What it cannot see: a status record the operator left out <em>after</em> the last one it shows (nothing
 * in the bundle points forward to it). The full-log audit ({@link LogAudit}) sees every record and catches
 * that; the person's own receipts do too.
 */
public final class BundleVerifier {
    private BundleVerifier() {
    }

    /**
     * @param kept a checkpoint the auditor saved earlier, with the consistency proof to the bundle's; null
     *             to skip the consistency check
     */
    public static Report verify(JWKSet jwks, AuditBundle bundle, KeptCheckpoint kept) {
        return new Run(new RecordVerifier(jwks), bundle).verify(kept);
    }

    /** One verification, so the per-bundle state need not be passed around. */
    private static final class Run {
        private final RecordVerifier verifier;
        private final AuditBundle bundle;
        final Checkpoint stated;
        final List<Check> checks = new ArrayList<>();

        Run(RecordVerifier verifier, AuditBundle bundle) {
            this.verifier = verifier;
            this.bundle = bundle;
            this.stated = bundle.checkpoint();
        }

        Report verify(KeptCheckpoint kept) {
            checks.add(SignedCheckpoints.check(verifier, stated, "checkpoint", "checkpoint").check());
            if (kept != null) {
                consistency(kept);
            }
            List<Read> records = new ArrayList<>();
            for (AuditBundle.Item item : bundle.records()) {
                Read read = new Read(item, ReadRecord.read(verifier, item.jws()));
                records.add(read);
                signature(read);
                acting(read);
                checks.add(inclusion(read.label(), item.logIndex(),
                        MerkleTree.leafHash(item.jws().getBytes(StandardCharsets.US_ASCII)), item.auditPath()));
            }
            if (bundle.inclusion() != null) {
                return new InclusionRun(this, bundle.inclusion(), records).verify();
            }
            Read consent = consentRecord(records);
            Map<String, Read> links = links(records, consent);
            StatusChain chain = chain(records, consent);
            for (AuditBundle.AccessEventItem event : bundle.accessEvents()) {
                accessEvent(event, consent, chain, links, records);
            }
            return new Report("consent " + bundle.consentId() + " against the checkpoint of " + stated.treeSize()
                    + " entries", checks);
        }

        // ---- checkpoints --------------------------------------------------------------------------------

        private void consistency(KeptCheckpoint kept) {
            SignedCheckpoints.Outcome keptOutcome = SignedCheckpoints.check(verifier, kept.checkpoint(),
                    "kept checkpoint", "kept checkpoint");
            checks.add(keptOutcome.check());
            if (keptOutcome.signed().isEmpty()) {
                checks.add(Check.fail("consistency", "the kept checkpoint is not one the operator signed, so it "
                        + "cannot anchor the history"));
                return;
            }
            Checkpoint old = keptOutcome.signed().get();
            boolean keptIsOlder = old.treeSize() <= stated.treeSize();
            Checkpoint first = keptIsOlder ? old : stated;
            Checkpoint second = keptIsOlder ? stated : old;
            String firstName = keptIsOlder ? "the kept checkpoint" : "the bundle's checkpoint";
            String secondName = keptIsOlder ? "the bundle's checkpoint" : "the kept checkpoint";
            ConsistencyProof proof = kept.proof();
            List<Hash> path = List.of();
            if (first.treeSize() != second.treeSize()) {
                if (proof == null) {
                    checks.add(Check.fail("consistency", "no consistency proof from " + first.treeSize() + " to "
                            + second.treeSize() + " entries was given"));
                    return;
                }
                if (proof.first() != first.treeSize() || proof.second() != second.treeSize()) {
                    checks.add(Check.fail("consistency", "the consistency proof given is from " + proof.first() + " to "
                            + proof.second() + " entries, not from " + first.treeSize() + " to " + second.treeSize()));
                    return;
                }
                path = proof.consistency();
            }
            try {
                LogVerifier.verifyConsistency(first.treeSize(), second.treeSize(), first.rootHash(), second.rootHash(),
                        path);
                checks.add(Check.pass("consistency", firstName + " of " + first.treeSize() + " entries (root "
                        + first.rootHash().base64() + ") is a prefix of " + secondName + " of " + second.treeSize()
                        + " entries" + (keptIsOlder ? "" : "; the bundle is older than the checkpoint you kept")));
            } catch (InvalidProofException e) {
                checks.add(Check.fail("consistency", firstName + " of " + first.treeSize() + " entries and "
                        + secondName + " of " + second.treeSize() + " entries are not one history: " + e.getMessage()));
            }
        }

        Check inclusion(String label, Long logIndex, Hash leafHash, List<Hash> auditPath) {
            if (logIndex == null) {
                return Check.fail("inclusion", label + ": it has no log index, so it is not in the log");
            }
            if (logIndex >= stated.treeSize()) {
                return Check.fail("inclusion", label + ": the checkpoint of " + stated.treeSize() + " entries does "
                        + "not cover it yet; fetch the bundle again once the log has integrated it");
            }
            if (auditPath == null) {
                return Check.fail("inclusion", label + ": the bundle gives no inclusion proof");
            }
            try {
                LogVerifier.verifyInclusion(logIndex, stated.treeSize(), leafHash, auditPath, stated.rootHash());
                return Check.pass("inclusion", label + ": in the tree of " + stated.treeSize() + " entries");
            } catch (InvalidProofException e) {
                return Check.fail("inclusion", label + ": " + e.getMessage()
                        + " (the record differs from the logged entry, or the proof is wrong)");
            }
        }

        // ---- records ------------------------------------------------------------------------------------

        /** A bundle item with what was read from its JWS. */
        record Read(AuditBundle.Item item, ReadRecord record) {
            String label() {
                return Labels.record(item.kind().wire(), item.logIndex(), record);
            }
        }

        private void signature(Read read) {
            ReadRecord r = read.record();
            if (!r.signed()) {
                checks.add(Check.fail("signature", read.label() + ": " + r.signatureError()));
            } else if (!read.item().kind().recordType().mediaType().equals(r.typ())) {
                checks.add(Check.fail("signature", read.label() + ": the JWS is a " + r.typ() + ", not the "
                        + read.item().kind().recordType().mediaType() + " the bundle lists it as"));
            } else {
                checks.add(Check.pass("signature", read.label() + ": " + r.typ() + ", key " + r.kid()));
            }
        }

        /** Who made the record, where it names an actor or the person's own decision ({@link ActingCheck}). */
        private void acting(Read read) {
            if (ActingCheck.applies(read.record())) {
                report(ActingCheck.CHECK, read.label(), ActingCheck.problems(read.record()),
                        ActingCheck.summary(read.record()));
            }
        }

        private Read consentRecord(List<Read> records) {
            List<Read> crs = records.stream().filter(r -> r.item().kind() == AuditBundle.Kind.CR).toList();
            if (crs.size() != 1) {
                checks.add(Check.fail("consent", "the bundle holds " + crs.size() + " consent records, not one"));
                return crs.isEmpty() ? null : crs.get(0);
            }
            Read cr = crs.get(0);
            String crId = cr.record().string("cr_id");
            if (!bundle.consentId().equals(crId)) {
                checks.add(Check.fail("consent", cr.label() + ": it is not consent " + bundle.consentId()));
            } else {
                checks.add(Check.pass("consent", cr.label() + ": consent of account "
                        + cr.record().string("account_id")));
            }
            return cr;
        }

        /** The service link records by slr_id, after checking them against the consent record. */
        private Map<String, Read> links(List<Read> records, Read consent) {
            Map<String, Read> links = new LinkedHashMap<>();
            for (Read r : records) {
                if (r.item().kind() == AuditBundle.Kind.SLR) {
                    links.put(r.record().string("slr_id"), r);
                }
            }
            if (consent == null) {
                return links;
            }
            String account = consent.record().string("account_id");
            Long consentIndex = consent.item().logIndex();
            List<String> named = consent.record().claims().get("slr_ids") instanceof List<?> ids
                    ? ids.stream().map(String::valueOf).toList() : List.of();
            if (named.isEmpty()) {
                checks.add(Check.fail("links", consent.label() + ": it names no service links (slr_ids)"));
            }
            for (String slrId : named) {
                Read link = links.get(slrId);
                if (link == null) {
                    checks.add(Check.fail("links", "slr " + slrId + ": the consent names it, the bundle lacks it"));
                    continue;
                }
                List<String> problems = new ArrayList<>();
                if (!Objects.equals(account, link.record().string("account_id"))) {
                    problems.add("it links account " + link.record().string("account_id") + ", not the consent's "
                            + account);
                }
                if (link.item().logIndex() != null && consentIndex != null && link.item().logIndex() >= consentIndex) {
                    problems.add("it was logged after the consent record (#" + consentIndex + ")");
                }
                report("links", link.label(), problems, "linked to account " + account + " before the consent");
            }
            for (Read r : records) {
                if (r.item().kind() == AuditBundle.Kind.SLR && !named.contains(r.record().string("slr_id"))) {
                    checks.add(Check.fail("links", r.label() + ": the consent record does not name this link"));
                }
                if (r.item().kind() == AuditBundle.Kind.SLR_REMOVAL) {
                    Read link = links.get(r.record().string("slr_id"));
                    List<String> problems = new ArrayList<>();
                    if (link == null) {
                        problems.add("it removes a link the bundle does not hold");
                    } else if (r.item().logIndex() != null && link.item().logIndex() != null
                            && r.item().logIndex() <= link.item().logIndex()) {
                        problems.add("it precedes the link it removes (slr #" + link.item().logIndex() + ")");
                    }
                    report("links", r.label(), problems,
                            "removes slr #" + (link == null ? "?" : link.item().logIndex()));
                }
            }
            return links;
        }

        private StatusChain chain(List<Read> records, Read consent) {
            StatusChain chain = new StatusChain(bundle.consentId(), consent == null ? null : consent.item().logIndex());
            List<Read> csrs = records.stream().filter(r -> r.item().kind() == AuditBundle.Kind.CSR).toList();
            if (csrs.isEmpty()) {
                checks.add(Check.fail(StatusChain.CHAIN, "the bundle holds no status records for the consent"));
                return chain;
            }
            List<StatusChain.Problem> finality = new ArrayList<>();
            for (Read csr : csrs) {
                if (csr.item().logIndex() == null) {
                    checks.add(Check.fail(StatusChain.CHAIN, csr.label() + ": without a log index it has no place in "
                            + "the chain"));
                    continue;
                }
                boolean first = chain.isEmpty();
                List<StatusChain.Problem> problems = chain.append(csr.item().logIndex(), csr.record());
                report(StatusChain.CLAIMS, csr.label(), reasons(problems, StatusChain.CLAIMS),
                        csr.record().string("status") + ", for this consent, log_index claim matches");
                report(StatusChain.CHAIN, csr.label(), reasons(problems, StatusChain.CHAIN),
                        first ? "starts the chain" : "links to the status record before it");
                problems.stream().filter(p -> p.check().equals(StatusChain.WITHDRAWAL_FINAL))
                        .map(p -> new StatusChain.Problem(p.check(), csr.label() + ": " + p.reason()))
                        .forEach(finality::add);
            }
            if (finality.isEmpty()) {
                Long withdrawn = chain.withdrawnAt();
                checks.add(Check.pass(StatusChain.WITHDRAWAL_FINAL, withdrawn == null
                        ? "not withdrawn; latest status " + chain.latest().map(s -> s.status().wire() + " (csr #"
                        + s.logIndex() + ")").orElse("unknown")
                        : "withdrawn at csr #" + withdrawn + ", nothing follows"));
            } else {
                finality.forEach(p -> checks.add(Check.fail(StatusChain.WITHDRAWAL_FINAL, p.reason())));
            }
            return chain;
        }

        // ---- access events -------------------------------------------------------------------------------

        private void accessEvent(AuditBundle.AccessEventItem event, Read consent, StatusChain chain,
                                 Map<String, Read> links, List<Read> records) {
            byte[] bytes = event.entry();
            Hash leafHash = bytes == null ? event.leafHash() : MerkleTree.leafHash(bytes);
            if (event.withheld() != null) {
                // A person's own bundle: the entry names other persons too, so only its place in the log is
                // proven here; what it says is the auditor's to check (docs/auditing.md).
                String label = Labels.accessEvent(event.logIndex(), event.withheld().eventId().toString());
                checks.add(inclusion(label, event.logIndex(), leafHash, event.auditPath()));
                checks.add(Check.pass("withheld", label + ": its entry also names other persons and is withheld "
                        + "from this bundle; that it is in the log is checked above, what it says is not checked "
                        + "here (an auditor's bundle or the full-log audit checks it)"));
                return;
            }
            ReadAccessEntry read = AccessEntry.parse(bytes);
            String label = Labels.accessEvent(event.logIndex(), read instanceof AccessEntry entry
                    ? entry.eventId().toString() : ((ReadAccessEntry.Malformed) read).eventId());
            checks.add(inclusion(label, event.logIndex(), leafHash, event.auditPath()));
            if (read instanceof ReadAccessEntry.Malformed malformed) {
                checks.add(Check.fail("access", label + ": " + malformed.problem()));
                return;
            }
            checks.add(reliedOnActiveConsent(label, event.logIndex(), (AccessEntry) read, consent, chain, links,
                    records));
        }

        private Check reliedOnActiveConsent(String label, long index, AccessEntry entry, Read consent,
                                            StatusChain chain, Map<String, Read> links, List<Read> records) {
            List<String> problems = new ArrayList<>();
            if (entry.consentIds().stream().map(UUID::toString).noneMatch(bundle.consentId()::equals)) {
                problems.add("it does not name this consent among the consents it relied on");
            }
            if (consent == null) {
                problems.add("the bundle has no consent record to judge it by");
                return Check.fail("access", label + ": " + String.join("; ", problems));
            }
            String account = consent.record().string("account_id");
            Map<String, PermitBasis> permits = permits(records);
            problems.addAll(withinTerms(entry, consent, records));
            for (PersonAccess person : entry.persons()) {
                if (person.consentId() == null || !bundle.consentId().equals(person.consentId().toString())) {
                    continue;
                }
                // Bundles made before permits were included in them cannot show the basis; the full-log audit can.
                PermitBasis permit = permits.get(entry.permitId().toString());
                if (permit != null) {
                    problems.addAll(ReliedOn.basisProblems(person, permit));
                }
                if (bundle.consentId().equals(person.consentId().toString())
                        && !Objects.equals(account, person.accountId().toString())) {
                    problems.add("it counts account " + person.accountId() + " under this consent, which is "
                            + "account " + account + "'s");
                }
            }
            Long consentIndex = consent.item().logIndex();
            if (consentIndex == null || consentIndex >= index) {
                problems.add("the consent record (#" + consentIndex + ") does not precede it");
            }
            Optional<RecordChain.Step<ConsentStatus>> inForce = chain.inForceBefore(index);
            String liveLink = liveLinkAt(index, links, records);
            problems.addAll(ReliedOn.problems("the consent", inForce, consent.record().wholeNumber("valid_from"),
                    consent.record().wholeNumber("valid_until"), liveLink != null, entry.at()));
            problems.addAll(ReliedOn.modeProblems("the consent", consent.record().claims().get(ConsentModes.CLAIM),
                    entry));
            PermitBasis entryPermit = permits.get(entry.permitId().toString());
            if (entryPermit != null) {
                problems.addAll(ReliedOn.permitModeProblems(entry, entryPermit));
            }
            if (!problems.isEmpty()) {
                return Check.fail("access", label + ": " + String.join("; ", problems));
            }
            return Check.pass("access", label + ": relied on the consent while active (csr #"
                    + inForce.get().logIndex() + "), through live link " + liveLink);
        }

        /**
         * The event's types, purpose and data period against its permit's and the consent's signed terms. Bundles
         * made before permits were included in them cannot show the permit's terms; the full-log audit can.
         */
        private static List<String> withinTerms(AccessEntry entry, Read consent, List<Read> records) {
            Optional<SignedTerms> permit = permitTerms(records, entry.permitId().toString());
            if (permit.isEmpty()) {
                return List.of();
            }
            List<String> problems = new ArrayList<>(permit.get().problemsAsPermit(entry.resourceTypes(), entry.at()));
            problems.addAll(SignedTerms.of(consent.record()).problemsAsConsent("the consent", permit.get(),
                    entry.resourceTypes()));
            return problems;
        }

        /** The terms of the bundle's permit record of that id, if it holds one. */
        static Optional<SignedTerms> permitTerms(List<Read> records, String permitId) {
            return records.stream().filter(r -> r.item().kind() == AuditBundle.Kind.PERMIT
                    && permitId.equals(r.record().string("permit_id"))).findFirst()
                    .map(r -> SignedTerms.of(r.record()));
        }

        /** The bundle's permit records by permit_id, with what they state of their basis. */
        static Map<String, PermitBasis> permits(List<Read> records) {
            Map<String, PermitBasis> permits = new LinkedHashMap<>();
            for (Read r : records) {
                if (r.item().kind() == AuditBundle.Kind.PERMIT) {
                    permits.put(r.record().string("permit_id"), PermitBasis.of(r.record()));
                }
            }
            return permits;
        }

        /** A link of the consent that was made before this index and not removed before it; null if none. */
        private static String liveLinkAt(long index, Map<String, Read> links, List<Read> records) {
            for (Read link : links.values()) {
                Long made = link.item().logIndex();
                String slrId = link.record().string("slr_id");
                Long removed = records.stream().filter(r -> r.item().kind() == AuditBundle.Kind.SLR_REMOVAL
                        && Objects.equals(slrId, r.record().string("slr_id")) && r.item().logIndex() != null)
                        .map(r -> r.item().logIndex()).min(Long::compare).orElse(null);
                if (ReliedOn.linkLiveAt(made, removed, index)) {
                    return "slr #" + made;
                }
            }
            return null;
        }

        // ---- reporting ----------------------------------------------------------------------------------

        private static List<String> reasons(List<StatusChain.Problem> problems, String check) {
            return problems.stream().filter(p -> p.check().equals(check)).map(StatusChain.Problem::reason).toList();
        }

        void report(String name, String label, List<String> problems, String fine) {
            checks.add(problems.isEmpty() ? Check.pass(name, label + ": " + fine)
                    : Check.fail(name, label + ": " + String.join("; ", problems)));
        }
    }

    /**
     * The checks of an inclusion bundle, after the checkpoint, signature and inclusion checks every bundle gets:
     * {@code links} (each link is the person's; each removal follows its link), {@code permit} (each permit is
     * the programme's, on an opt-out basis), {@code opt-outs} (the person's opt-out chain, see
     * {@link OptOutChain}) and {@code access}: each event included the person through a link of theirs that was
     * live at its position and at one of its permit's sources, under a permit of the programme not revoked
     * before it, while the person had no live opt-out (see {@link ReliedOn#inclusionProblems}, which the
     * full-log audit judges through as well).
     */
    private static final class InclusionRun {
        private final Run run;
        private final AuditBundle.Inclusion subject;
        private final List<Run.Read> records;

        InclusionRun(Run run, AuditBundle.Inclusion subject, List<Run.Read> records) {
            this.run = run;
            this.subject = subject;
            this.records = records;
        }

        Report verify() {
            Map<String, Run.Read> links = new LinkedHashMap<>();
            Map<String, Long> removedAt = new LinkedHashMap<>();
            Map<String, PermitBasis> permits = new LinkedHashMap<>();
            Map<String, Long> revokedAt = new LinkedHashMap<>();
            OptOutChain chain = new OptOutChain(subject.accountId(), subject.programmeId());
            for (Run.Read r : records) {
                ReadRecord record = r.record();
                Long index = r.item().logIndex();
                switch (r.item().kind()) {
                    case SLR -> {
                        links.put(record.string("slr_id"), r);
                        run.report("links", r.label(), Objects.equals(subject.accountId(), record.string("account_id"))
                                ? List.of() : List.of("it links account " + record.string("account_id") + ", not "
                                + subject.accountId()), "linked to account " + subject.accountId());
                    }
                    case SLR_REMOVAL -> {
                        Run.Read link = links.get(record.string("slr_id"));
                        boolean follows = link != null && index != null && link.item().logIndex() != null
                                && index > link.item().logIndex();
                        run.report("links", r.label(), follows ? List.of()
                                : List.of("it removes a link the bundle does not hold before it"), "removes a link");
                        if (follows) {
                            removedAt.putIfAbsent(record.string("slr_id"), index);
                        }
                    }
                    case PERMIT -> {
                        PermitBasis basis = PermitBasis.of(record);
                        permits.put(record.string("permit_id"), basis);
                        List<String> problems = new ArrayList<>();
                        if (!Objects.equals(subject.programmeId(), basis.programmeId())) {
                            problems.add("it is a permit of programme " + basis.programmeId() + ", not "
                                    + subject.programmeId());
                        }
                        if (!basis.optOut()) {
                            problems.add("its programme rests on " + basis.wire() + ", not on an opt-out basis");
                        }
                        run.report("permit", r.label(), problems, "a permit of the programme, on " + basis.wire());
                    }
                    case PERMIT_REVOCATION -> {
                        if (index != null) {
                            revokedAt.merge(record.string("permit_id"), index, Math::min);
                        }
                    }
                    case OPT_OUT -> {
                        if (index == null) {
                            run.checks.add(Check.fail(OptOutChain.CHECK, r.label() + ": without a log index it has "
                                    + "no place in the chain"));
                            continue;
                        }
                        run.report(OptOutChain.CHECK, r.label(), chain.append(index, record),
                                record.string("status") + ", in the person's chain for the programme");
                    }
                    default -> run.checks.add(Check.fail("links", r.label() + ": an inclusion bundle holds no "
                            + r.item().kind().wire() + " records"));
                }
            }
            for (AuditBundle.AccessEventItem event : run.bundle.accessEvents()) {
                accessEvent(event, links, removedAt, permits, revokedAt, chain);
            }
            return new Report("account " + subject.accountId() + " in programme " + subject.programmeId()
                    + " against the checkpoint of " + run.stated.treeSize() + " entries", run.checks);
        }

        private void accessEvent(AuditBundle.AccessEventItem event, Map<String, Run.Read> links,
                                 Map<String, Long> removedAt, Map<String, PermitBasis> permits,
                                 Map<String, Long> revokedAt, OptOutChain chain) {
            byte[] bytes = event.entry();
            Hash leafHash = bytes == null ? event.leafHash() : MerkleTree.leafHash(bytes);
            if (event.withheld() != null) {
                String label = Labels.accessEvent(event.logIndex(), event.withheld().eventId().toString());
                run.checks.add(run.inclusion(label, event.logIndex(), leafHash, event.auditPath()));
                run.checks.add(Check.pass("withheld", label + ": its entry also names other persons and is "
                        + "withheld from this bundle; that it is in the log is checked above, what it says is not "
                        + "checked here (an auditor's bundle or the full-log audit checks it)"));
                return;
            }
            ReadAccessEntry read = AccessEntry.parse(bytes);
            String label = Labels.accessEvent(event.logIndex(), read instanceof AccessEntry entry
                    ? entry.eventId().toString() : ((ReadAccessEntry.Malformed) read).eventId());
            run.checks.add(run.inclusion(label, event.logIndex(), leafHash, event.auditPath()));
            if (read instanceof ReadAccessEntry.Malformed malformed) {
                run.checks.add(Check.fail("access", label + ": " + malformed.problem()));
                return;
            }
            AccessEntry entry = (AccessEntry) read;
            long index = event.logIndex();
            List<String> problems = new ArrayList<>();
            PermitBasis permit = permits.get(entry.permitId().toString());
            Long revoked = revokedAt.get(entry.permitId().toString());
            if (permit == null) {
                problems.add("its permit " + entry.permitId() + " is not in the bundle");
            } else if (revoked != null && revoked < index) {
                problems.add("its permit was revoked at #" + revoked);
            }
            Run.permitTerms(records, entry.permitId().toString())
                    .ifPresent(terms -> problems.addAll(terms.problemsAsPermit(entry.resourceTypes(), entry.at())));
            List<PersonAccess> own = entry.persons().stream()
                    .filter(p -> p.accountId().toString().equals(subject.accountId())).toList();
            if (own.isEmpty()) {
                problems.add("it does not name account " + subject.accountId() + " among the persons it included");
            }
            String through = null;
            for (PersonAccess person : own) {
                if (permit != null) {
                    problems.addAll(ReliedOn.basisProblems(person, permit));
                }
                if (person.slrId() == null || permit == null || !permit.optOut()) {
                    continue;
                }
                Run.Read link = links.get(person.slrId().toString());
                Long made = link == null ? null : link.item().logIndex();
                Long removed = removedAt.get(person.slrId().toString());
                boolean linked = ReliedOn.linkLiveAt(made, removed, index)
                        && permit.sourceIds().contains(link.record().string("service_id"));
                problems.addAll(ReliedOn.inclusionProblems("account " + subject.accountId(), chain.liveBefore(index),
                        linked));
                through = made == null ? null : "slr #" + made;
            }
            run.checks.add(problems.isEmpty()
                    ? Check.pass("access", label + ": included the person through live link " + through
                    + " while they had not opted out")
                    : Check.fail("access", label + ": " + String.join("; ", problems)));
        }
    }
}
