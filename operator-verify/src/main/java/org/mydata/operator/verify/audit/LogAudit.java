package org.mydata.operator.verify.audit;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.mydata.operator.verify.access.AccessEntry;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.verify.access.ReadAccessEntry;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.verify.log.MerkleTree;
import org.mydata.operator.verify.log.TreeFrontier;
import org.mydata.operator.verify.release.ConsentModes;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.ProgrammeVersions;
import org.mydata.operator.verify.release.TermsOfUse;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.RecordVerifier;

/**
 * Audits the whole log against a signed checkpoint of size N, given entries 0 to N-1 in order (as the pages
 * of {@code GET /api/v1/audit/entries} give them). Where a consent bundle shows one consent, this sees
 * everything, so it also catches what a bundle could leave out:
 *
 * <ul>
 * <li>{@code entries}: indexes run 0..N-1 without gaps, and each entry's bytes hash to its stated leaf hash;</li>
 * <li>{@code root}: the root recomputed from the entries is the one the checkpoint signs;</li>
 * <li>{@code signature}: every signed record verifies against the JWKS;</li>
 * <li>{@code keys}: every record is signed by the log's first key or by one a key rotation record announced
 * earlier in the log, and each rotation is signed by the key it announces;</li>
 * <li>{@code claims}, {@code chain}, {@code withdrawal final}: every consent's status chain across the whole
 * log, in log order (see {@link StatusChain}), and every status record follows its consent record;</li>
 * <li>{@code opt-outs}: every person's opt-out records of a programme form one chain (see {@link OptOutChain});</li>
 * <li>{@code links}: link removals and consents name links that exist, are the person's, and are live;</li>
 * <li>{@code access}: every access event reads as {@link AccessEntry} (a readable {@code iat} included) and
 * relied only on permits issued, not revoked and valid at its {@code iat}, and on consents the release policy held
 * in force (active and linked at the event's log position, valid at its {@code iat}; see {@link ReliedOn}); its
 * types lie in the permit's scope and each consent's, each consent's purposes cover the permit's and its data
 * period shares a day with the permit's (see {@link SignedTerms}); under a permit whose
 * programme rests on an opt-out basis, on persons included through a live link of theirs at one of the
 * permit's sources and without a live opt-out of the programme at that position; and on no consent on a version
 * of its programme older than one whose amendment, up to the permit's version, widened what a release does not
 * intersect ({@link ProgrammeVersions}; a permit names the version it was issued under, which must be its
 * programme's at its place in the log, see {@code amendments}).</li>
 * </ul>
 *
 * Feed it with {@link #add} page by page and call {@link #finish}; it keeps the tree's frontier
 * (O(log N) hashes) and a small state per consent, link and permit, never the entries themselves.
 * Signatures within a page are verified in parallel, since they are nearly all of the work.
 *
 * <p>Each kind of check yields one passing line with counts, or one line per failure (the first
 * {@value #MAX_LINES_PER_CHECK}, then a count of the rest).
 */
public final class LogAudit {
    static final int MAX_LINES_PER_CHECK = 50;
    private static final List<String> ORDER = List.of("entries", "root", "signature", "keys", StatusChain.CLAIMS,
            StatusChain.CHAIN, StatusChain.WITHDRAWAL_FINAL, OptOutChain.CHECK, "links", "access", "duties");

    private final RecordVerifier verifier;
    private final long verifyFrom;
    private final TreeFrontier frontier = TreeFrontier.empty();
    private final Map<String, List<String>> failures = new LinkedHashMap<>();
    private final Map<String, Long> failureCounts = new HashMap<>();
    private final Map<RecordType, Long> verified = new EnumMap<>(RecordType.class);
    private final Map<String, ConsentState> consents = new HashMap<>();
    private final Map<String, LinkState> links = new HashMap<>();
    private final Map<String, PermitState> permits = new HashMap<>();
    private final Map<String, OptOutChain> optOuts = new HashMap<>();
    private final Set<String> announcedKeys = new LinkedHashSet<>();
    /** amend: per programme, its latest version in the log and that version's terms hash. */
    private final Map<String, Map.Entry<Long, String>> programmeVersions = new HashMap<>();
    /** permitver: per programme, its amendment records' terms hashes by version, and the versions that widened beyond a release. */
    private final Map<String, Map<Long, String>> termsByVersion = new HashMap<>();
    private final Map<String, List<Integer>> widenedBeyondRelease = new HashMap<>();
    private long decisionsChecked;
    private long statusRecords;
    /** Records that name an actor or the person's own decision (repr: acting for another person). */
    private long actingRecords;
    private long accessEvents;
    private long consentsRelied;
    private long inclusionsRelied;
    private long optOutRecords;
    private long erased;
    private long next;
    private long statisticalAnswers;
    /** The access event just before the entry being read, if the entry before it was one: what an answer names. */
    private AccessEntry previousEvent;
    private long previousEventIndex = -1;
    /** accesschunk: the event whose chunks are being read, if the last entry was one of them and not its last. */
    private OpenChunks openChunks;
    private long chunkedEvents;
    private long accessEntriesChunked;

    /**
     * An event logged in chunks, read up to chunk {@code next} (exclusive).
     *
     * @param persons the persons its chunks so far name
     * @param whole   whether every chunk so far came in its place with the first one's header (else the persons are
     *                not counted against the header: a chunk is missing already)
     */
    private record OpenChunks(AccessEntry first, long firstIndex, int next, long persons, boolean whole) {
    }

    /**
     * @param accessModes the record's {@code access_modes} claim as signed, null when absent
     * @param programmeVersion the version of its programme the consent was signed on (1 without the claim)
     */
    private record ConsentState(long logIndex, String accountId, List<String> slrIds, Long validFrom, Long validUntil,
                                Object accessModes, StatusChain chain, SignedTerms terms, int programmeVersion) {
    }

    private static final class LinkState {
        final long logIndex;
        final String accountId;
        final String serviceId;
        Long removedAt;

        LinkState(long logIndex, String accountId, String serviceId) {
            this.logIndex = logIndex;
            this.accountId = accountId;
            this.serviceId = serviceId;
        }
    }

    private static final class PermitState {
        final long logIndex;
        final PermitBasis basis;
        final SignedTerms terms;
        /** permitver: the programme version it was issued under, and the oldest whose consents it may rely on. */
        final int version;
        final int oldestReachable;
        Long revokedAt;

        PermitState(long logIndex, PermitBasis basis, SignedTerms terms, int version, int oldestReachable) {
            this.logIndex = logIndex;
            this.basis = basis;
            this.terms = terms;
            this.version = version;
            this.oldestReachable = oldestReachable;
        }
    }

    /**
     * @param verifyFrom the first index whose signature is checked. 0 for a complete audit; an auditor who
     *                   audited [0, F) before may pass F: earlier entries are still hashed and read, so
     *                   the root and every consent's state are complete, but their signatures are not checked
     *                   again
     */
    public LogAudit(JWKSet jwks, long verifyFrom) {
        this.verifier = new RecordVerifier(jwks);
        this.verifyFrom = verifyFrom;
    }

    public LogAudit(JWKSet jwks) {
        this(jwks, 0);
    }

    /** How many entries have been added. */
    public long size() {
        return next;
    }

    /** The next entries, in order, continuing where the last page ended. */
    public void add(List<LogEntry> page) {
        // Reading (and so verifying) records is independent per entry; the state below is not.
        List<Object> read = page.parallelStream().map(this::read).toList();
        for (int i = 0; i < page.size(); i++) {
            accept(page.get(i), read.get(i));
        }
    }

    /** Compares everything added with the checkpoint and reports. */
    public Report finish(Checkpoint stated) {
        return finish(List.of(SignedCheckpoints.check(verifier, stated, "checkpoint", "checkpoint").check()),
                stated.treeSize(), stated.rootHash());
    }

    /**
     * Finishes against a tree head checked elsewhere (a checkpoint note read from tiles, opened with the JWKS's
     * Ed25519 key and any witness policy): {@code checkpointChecks} say how that went.
     */
    public Report finish(List<Check> checkpointChecks, long treeSize, Hash rootHash) {
        List<Check> checks = new ArrayList<>(checkpointChecks);
        if (next != treeSize) {
            fail("entries", "the audit saw " + next + " entries, the checkpoint covers " + treeSize);
        }
        Hash root = frontier.root();
        if (!root.equals(rootHash)) {
            fail("root", "the " + next + " entries hash to root " + root.base64() + ", the checkpoint says "
                    + rootHash.base64());
        }
        Map<String, String> passes = new LinkedHashMap<>();
        passes.put("entries", next + " entries in order, each hashing to its leaf hash" + (erased == 0 ? ""
                : " (" + erased + " erased, kept by leaf hash)"));
        passes.put("root", "the entries hash to the checkpoint's root " + root.base64());
        passes.put("signature", verifiedSummary());
        passes.put("keys", "every record is signed by an announced key: " + String.join(", ", announcedKeys));
        passes.put(StatusChain.CLAIMS, "every status record names its consent and carries its log index ("
                + statusRecords + " records)");
        passes.put(StatusChain.CHAIN, "every status chain unbroken and in log order (" + consents.size()
                + " consents)");
        passes.put(StatusChain.WITHDRAWAL_FINAL, "nothing follows any withdrawal (" + consents.values().stream()
                .filter(c -> c.chain().withdrawnAt() != null).count() + " withdrawn consents)");
        passes.put(OptOutChain.CHECK, "every opt-out chain unbroken, alternating and in log order (" + optOutRecords
                + " records, " + optOuts.size() + " persons and programmes, " + optOuts.values().stream()
                .filter(OptOutChain::live).count() + " live)");
        passes.put("links", "link removals and consents name live links of the same person (" + links.size()
                + " links)");
        passes.put("duties", "no data request was decided by its requester or its requester's organisation ("
                + decisionsChecked + " decisions)");
        passes.put("access", "every access event relied on an unrevoked permit valid at its time and on consents "
                + "that were active, linked and valid at its log position, within the purposes, types and data "
                + "periods of both, and under an opt-out basis on persons linked at the "
                + "permit's sources who had not opted out (" + accessEvents + " events, " + (chunkedEvents == 0 ? ""
                : chunkedEvents + " of them logged in " + accessEntriesChunked + " chunks, each chunk in its place, "
                + (openChunks == null ? "" : "the last event's chunks running past this tree, ")) + consentsRelied
                + " consent uses" + (inclusionsRelied == 0 ? "" : ", " + inclusionsRelied + " inclusions under an "
                + "opt-out basis") + (statisticalAnswers == 0 ? "" : ", " + statisticalAnswers + " statistical answers "
                + "each signed right after its event") + ")");
        for (String name : ORDER) {
            List<String> lines = failures.get(name);
            if (lines == null) {
                checks.add(Check.pass(name, passes.get(name)));
                continue;
            }
            lines.forEach(line -> checks.add(Check.fail(name, line)));
            long more = failureCounts.get(name) - lines.size();
            if (more > 0) {
                checks.add(Check.fail(name, "... and " + more + " more " + name + " failures"));
            }
        }
        // amend: programme amendments, reported only by a log that holds any (older reports stay as they were).
        List<String> amendmentFailures = failures.get("amendments");
        if (amendmentFailures != null) {
            amendmentFailures.forEach(line -> checks.add(Check.fail("amendments", line)));
        } else if (!programmeVersions.isEmpty()) {
            checks.add(Check.pass("amendments", "every programme amendment follows its programme's previous version, "
                    + "and every permit that names a version names its programme's at its place ("
                    + programmeVersions.size() + " programmes amended)"));
        }
        actingReport(checks);
        return new Report("the log of " + treeSize + " entries", checks);
    }

    /**
     * The {@value ActingCheck#CHECK} check, after the others: only in a log where some record names an actor or a
     * person's own decision (a log without any has nothing to say about it).
     */
    private void actingReport(List<Check> checks) {
        List<String> lines = failures.get(ActingCheck.CHECK);
        if (lines == null) {
            if (actingRecords > 0) {
                checks.add(Check.pass(ActingCheck.CHECK, "every record made for another person names its actor and "
                        + "the guardianship or mandate relied on, checked before it was made (" + actingRecords
                        + " records)"));
            }
            return;
        }
        lines.forEach(line -> checks.add(Check.fail(ActingCheck.CHECK, line)));
        long more = failureCounts.get(ActingCheck.CHECK) - lines.size();
        if (more > 0) {
            checks.add(Check.fail(ActingCheck.CHECK, "... and " + more + " more " + ActingCheck.CHECK + " failures"));
        }
    }

    // ---- per entry -------------------------------------------------------------------------------------

    private Object read(LogEntry entry) {
        byte[] bytes = entry.entry();
        if (bytes == null) {
            return null;
        }
        if (bytes.length > 0 && bytes[0] == '{') {
            return AccessEntry.parse(bytes);
        }
        String jws = new String(bytes, StandardCharsets.US_ASCII);
        return entry.index() >= verifyFrom ? ReadRecord.read(verifier, jws) : ReadRecord.unchecked(jws);
    }

    private void accept(LogEntry entry, Object read) {
        long index = next++;
        if (entry.index() != index) {
            fail("entries", "entry #" + entry.index() + " came where #" + index + " belongs: entries are missing or "
                    + "out of order");
        }
        Hash leafHash = entry.leafHash();
        if (entry.erased()) {
            erased++;
        } else {
            Hash computed = MerkleTree.leafHash(entry.entry());
            if (!computed.equals(leafHash)) {
                fail("entries", "entry #" + index + ": its bytes hash to " + computed.base64() + ", not to its stated "
                        + "leaf hash " + leafHash.base64());
            }
            // The root is computed from the bytes themselves, never from what the operator says they hash to.
            leafHash = computed;
        }
        frontier.append(leafHash);
        chunkOrder(index, read);
        if (read instanceof ReadRecord record) {
            record(index, record);
        } else if (read instanceof AccessEntry event) {
            if (event.chunk() != null) {
                accessEntriesChunked++;
            }
            accessEvent(index, event);
            previousEvent = event;
            previousEventIndex = index;
        } else if (read instanceof ReadAccessEntry.Malformed malformed) {
            accessEvents++;
            fail("access", Labels.accessEvent(index, malformed.eventId()) + ": " + malformed.problem());
        }
    }

    private void record(long index, ReadRecord record) {
        Optional<RecordType> type = RecordType.fromMediaType(record.typ());
        String kind = type.map(t -> t.mediaType().replace("+jwt", "")).orElse("record");
        String label = Labels.record(kind, index, record);
        if (!record.signed()) {
            fail("signature", label + ": " + record.signatureError());
        } else if (type.isEmpty()) {
            fail("signature", label + ": unknown record type '" + record.typ() + "'");
        } else if (index >= verifyFrom) {
            verified.merge(type.get(), 1L, Long::sum);
        }
        if (type.isEmpty()) {
            return;
        }
        keys(type.get(), record, label);
        if (ActingCheck.applies(record)) {
            actingRecords++;
            ActingCheck.problems(record).forEach(problem -> fail(ActingCheck.CHECK, label + ": " + problem));
        }
        switch (type.get()) {
            case SERVICE_LINK -> link(index, record, label);
            case SERVICE_LINK_REMOVAL -> linkRemoval(index, record, label);
            case CONSENT -> consent(index, record, label);
            case CONSENT_STATUS -> status(index, record, label);
            case PERMIT -> {
                if (permits.putIfAbsent(String.valueOf(record.string("permit_id")),
                        permitState(index, record, label)) != null) {
                    fail("access", label + ": a second permit with the same id");
                }
                Map<?, ?> decision = record.claims().get("decision") instanceof Map<?, ?> m ? m : Map.of();
                duties(label, record.string("researcher"), record.string("organisation"), decision.get("decided_by"),
                        decision.get("decided_by_organisation"));
            }
            case REQUEST_DECISION -> duties(label, record.string("requested_by"), null,
                    record.claims().get("decided_by"), null);
            case PERMIT_REVOCATION -> {
                PermitState permit = permits.get(record.string("permit_id"));
                if (permit == null) {
                    fail("access", label + ": it revokes a permit the log does not hold before it");
                } else if (permit.revokedAt == null) {
                    permit.revokedAt = index;
                }
            }
            case ERASURE_REQUEST -> erasureRequest(record, label);
            case ERASURE_ACKNOWLEDGEMENT -> {
                if (!permits.containsKey(String.valueOf(record.string("permit_id")))) {
                    fail("access", label + ": it acknowledges an erasure for a permit the log does not hold before it");
                }
            }
            case WEBHOOK_EVENT -> fail("signature", label + ": a webhook event is delivered, never logged");
            case OPT_OUT -> optOut(index, record, label);
            case STATISTICS_ANSWER -> statisticalAnswer(index, record, label);
            case PROGRAMME_AMENDMENT -> amendment(record, label);
            case KEY_ROTATION, CHECKPOINT -> {
                // Signed and in the tree; nothing else in the log depends on them.
            }
        }
    }

    /**
     * amend: an amendment names the next version of its programme and, once the log holds an earlier amendment of
     * it, the terms hash that one signed (version 1, the programme as registered, is not in the log).
     */
    private void amendment(ReadRecord record, String label) {
        String programme = String.valueOf(record.string("programme_id"));
        Long version = record.wholeNumber("version");
        Long previous = record.wholeNumber("prev_version");
        Map.Entry<Long, String> last = programmeVersions.get(programme);
        if (version == null || previous == null || version != previous + 1
                || (last != null && (last.getKey().longValue() != previous
                || !Objects.equals(last.getValue(), record.string("prev_terms_sha256"))))) {
            fail("amendments", label + ": it does not follow the programme's previous version in the log");
        }
        if (version != null) {
            programmeVersions.put(programme, Map.entry(version, String.valueOf(record.string("terms_sha256"))));
            termsByVersion.computeIfAbsent(programme, k -> new HashMap<>()).put(version,
                    String.valueOf(record.string("terms_sha256")));
            // permitver: whether this version left consents on earlier ones behind for the permits issued under it.
            if (record.claims().get("changes") instanceof List<?> changes && changes.stream()
                    .anyMatch(c -> c instanceof Map<?, ?> change && ProgrammeVersions.widensBeyondRelease(
                            String.valueOf(change.get("field")), String.valueOf(change.get("direction"))))) {
                widenedBeyondRelease.computeIfAbsent(programme, k -> new ArrayList<>()).add(version.intValue());
            }
        }
    }

    /**
     * permitver: a permit as the access events rely on it, with the version of its programme it was issued under:
     * the {@code programme_version} it states, which must be its programme's version at its place in the log (and,
     * where the log holds that version's amendment, name its terms hash); a permit without the claim (issued before
     * permits stated it) was issued under the version at its place. The oldest version whose consents it may rely on
     * follows from the amendments before it ({@link ProgrammeVersions#oldestReachable}).
     */
    private PermitState permitState(long index, ReadRecord record, String label) {
        String programme = String.valueOf(record.string("programme_id"));
        Map.Entry<Long, String> current = programmeVersions.get(programme);
        long atItsPlace = current == null ? 1 : current.getKey();
        Long stated = record.wholeNumber("programme_version");
        long version = stated == null ? atItsPlace : stated;
        if (stated != null && stated != atItsPlace) {
            fail("amendments", label + ": it states version " + stated + " of its programme, which was at version "
                    + atItsPlace + " at that position");
        } else if (stated != null && record.string("programme_terms_sha256") != null) {
            String signed = termsByVersion.getOrDefault(programme, Map.of()).get(stated);
            if (signed != null && !signed.equals(record.string("programme_terms_sha256"))) {
                fail("amendments", label + ": it names terms " + record.string("programme_terms_sha256")
                        + ", version " + stated + "'s amendment signed " + signed);
            }
        }
        int issuedUnder = (int) Math.max(1, Math.min(version, Integer.MAX_VALUE));
        return new PermitState(index, PermitBasis.of(record), SignedTerms.of(record), issuedUnder,
                ProgrammeVersions.oldestReachable(issuedUnder, widenedBeyondRelease.getOrDefault(programme, List.of())));
    }

    /**
     * Separation of duties: nobody decides its own data request, nor one of its own organisation when the
     * decision names the decider's. A decision that does not name its requester (rejections signed before the
     * claim existed) cannot be checked and is not counted.
     */
    private void duties(String label, String requester, String organisation, Object decider,
                        Object deciderOrganisation) {
        if (requester == null || !(decider instanceof String decidedBy)) {
            return;
        }
        decisionsChecked++;
        if (requester.equals(decidedBy)) {
            fail("duties", label + ": requested and decided by the same subject " + decidedBy);
        } else if (deciderOrganisation instanceof String theirs
                && TermsOfUse.sameOrganisation(organisation, theirs)) {
            fail("duties", label + ": requested and decided within the same organisation " + theirs);
        }
    }

    /**
     * The first key to sign in the log needs no announcement; every later one must have been announced by a
     * key rotation record earlier in the log, signed with the new key itself. So a key that appears only in
     * the JWKS, never in the log, cannot have signed anything the log holds.
     */
    private void keys(RecordType type, ReadRecord record, String label) {
        String kid = record.kid();
        if (type == RecordType.KEY_ROTATION) {
            String announced = record.string("kid");
            String previous = record.string("previous_kid");
            List<String> problems = new ArrayList<>();
            if (announced == null || !announced.equals(kid)) {
                problems.add("it announces key " + announced + " but is signed with key " + kid);
            }
            if (previous != null && !announcedKeys.isEmpty() && !announcedKeys.contains(previous)) {
                problems.add("it rotates away from key " + previous + ", which the log never announced");
            }
            if (!thumbprintIs(record.claims().get("jwk"), announced)) {
                problems.add("its jwk is not the key " + announced);
            }
            if (!problems.isEmpty()) {
                fail("keys", label + ": " + String.join("; ", problems));
            }
            if (previous != null && announcedKeys.isEmpty()) {
                announcedKeys.add(previous);
            }
            if (announced != null) {
                announcedKeys.add(announced);
            }
            return;
        }
        if (kid == null) {
            return;
        }
        if (announcedKeys.isEmpty()) {
            announcedKeys.add(kid);
        } else if (!announcedKeys.contains(kid)) {
            fail("keys", label + ": signed with key " + kid + ", which no key rotation record announced before it");
        }
    }

    private static boolean thumbprintIs(Object jwk, String kid) {
        if (!(jwk instanceof Map<?, ?> map) || kid == null) {
            return false;
        }
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> json = (Map<String, Object>) map;
            return JWK.parse(json).computeThumbprint().toString().equals(kid);
        } catch (ParseException | JOSEException e) {
            return false;
        }
    }

    private void link(long index, ReadRecord record, String label) {
        String slrId = record.string("slr_id");
        if (slrId == null || links.putIfAbsent(slrId, new LinkState(index, record.string("account_id"),
                record.string("service_id"))) != null) {
            fail("links", label + ": no slr_id, or a second link with the same id");
        }
    }

    private void linkRemoval(long index, ReadRecord record, String label) {
        LinkState link = links.get(record.string("slr_id"));
        if (link == null) {
            fail("links", label + ": it removes a link the log does not hold before it");
        } else if (link.removedAt != null) {
            fail("links", label + ": the link was already removed at #" + link.removedAt);
        } else if (!Objects.equals(link.accountId, record.string("account_id"))) {
            fail("links", label + ": it is signed for account " + record.string("account_id") + ", the link is "
                    + link.accountId + "'s");
        } else {
            link.removedAt = index;
        }
    }

    private void consent(long index, ReadRecord record, String label) {
        String crId = record.string("cr_id");
        String account = record.string("account_id");
        List<String> slrIds = record.claims().get("slr_ids") instanceof List<?> ids
                ? ids.stream().map(String::valueOf).toList() : List.of();
        if (crId == null || consents.containsKey(crId)) {
            fail(StatusChain.CHAIN, label + ": no cr_id, or a second consent record with the same id");
            return;
        }
        for (String slrId : slrIds) {
            LinkState link = links.get(slrId);
            if (link == null || link.removedAt != null || !Objects.equals(link.accountId, account)) {
                fail("links", label + ": it names slr " + slrId + ", which is not a live link of account " + account
                        + " at that position");
            }
        }
        consents.put(crId, new ConsentState(index, account, slrIds, record.wholeNumber("valid_from"),
                record.wholeNumber("valid_until"), record.claims().get(ConsentModes.CLAIM),
                new StatusChain(crId, index), SignedTerms.of(record), consentVersion(record)));
    }

    /** permitver: the version of its programme a consent record was signed on: 1 without the claim. */
    private static int consentVersion(ReadRecord record) {
        Long version = record.wholeNumber("programme_version");
        return version == null || version < 1 ? 1 : (int) Math.min(version, Integer.MAX_VALUE);
    }

    private void status(long index, ReadRecord record, String label) {
        statusRecords++;
        ConsentState consent = consents.get(record.string("cr_id"));
        if (consent == null) {
            fail(StatusChain.CHAIN, label + ": its consent record " + record.string("cr_id")
                    + " is not in the log before it" + erasedHint());
            return;
        }
        for (StatusChain.Problem problem : consent.chain().append(index, record)) {
            fail(problem.check(), label + ": " + problem.reason());
        }
    }

    /** A person may ask for erasure only of what a consent of theirs released, and only once it is withdrawn. */
    private void erasureRequest(ReadRecord record, String label) {
        ConsentState consent = consents.get(record.string("cr_id"));
        if (consent == null) {
            fail(StatusChain.CHAIN, label + ": its consent record " + record.string("cr_id")
                    + " is not in the log before it" + erasedHint());
        } else if (!Objects.equals(consent.accountId(), record.string("account_id"))) {
            fail(StatusChain.CHAIN, label + ": it is made for account " + record.string("account_id")
                    + ", the consent is account " + consent.accountId() + "'s");
        } else if (consent.chain().withdrawnAt() == null) {
            fail(StatusChain.CHAIN, label + ": its consent " + record.string("cr_id") + " was not withdrawn before it");
        }
    }

    private void optOut(long index, ReadRecord record, String label) {
        optOutRecords++;
        String account = record.string("account_id");
        String programme = record.string("programme_id");
        OptOutChain chain = optOuts.computeIfAbsent(account + "|" + programme, k -> new OptOutChain(account, programme));
        for (String problem : chain.append(index, record)) {
            fail(OptOutChain.CHECK, label + ": " + problem);
        }
    }

    /** The person rows of an event under an opt-out basis: each included through a live link, not opted out. */
    private void inclusions(long index, AccessEntry event, PermitState permit, List<String> problems) {
        for (PersonAccess person : event.persons()) {
            if (permit != null) {
                problems.addAll(ReliedOn.basisProblems(person, permit.basis));
            }
            if (person.slrId() == null || permit == null || !permit.basis.optOut()) {
                continue;
            }
            inclusionsRelied++;
            String account = person.accountId().toString();
            LinkState link = links.get(person.slrId().toString());
            if (link != null && !Objects.equals(link.accountId, account)) {
                problems.add("it counts account " + account + " under slr " + person.slrId() + " of account "
                        + link.accountId);
            }
            boolean linked = link != null && Objects.equals(link.accountId, account)
                    && ReliedOn.linkLiveAt(link.logIndex, link.removedAt, index)
                    && permit.basis.sourceIds().contains(link.serviceId);
            OptOutChain chain = optOuts.get(account + "|" + permit.basis.programmeId());
            problems.addAll(ReliedOn.inclusionProblems("account " + account,
                    chain == null ? Optional.empty() : chain.liveBefore(index), linked));
        }
    }

    /**
     * A statistical answer's record is the access event right before it, signed: it names that event, its permit
     * and its log index, and the event is a statistics event of the same permit. So no answer is signed that the
     * log does not account for, with the persons it counted, relied on as every access event is.
     */
    private void statisticalAnswer(long index, ReadRecord record, String label) {
        statisticalAnswers++;
        AccessEntry event = previousEventIndex == index - 1 ? previousEvent : null;
        Long eventIndex = record.wholeNumber("event_log_index");
        if (event == null || eventIndex == null || eventIndex != index - 1
                || !event.eventId().toString().equals(record.string("event_id"))
                || (event.chunk() != null && !event.chunk().last())) {
            fail("access", label + ": it does not follow the access event it names (" + record.string("event_id")
                    + " at #" + eventIndex + ")");
        } else if (!event.permitId().toString().equals(record.string("permit_id"))
                || !AccessMode.STATISTICS_INTERACTION.equals(event.interaction())) {
            fail("access", label + ": its access event is not a statistics event of permit "
                    + record.string("permit_id"));
        }
        if (!(record.claims().get("answer") instanceof Map<?, ?>) || record.string("request_hash") == null) {
            fail("access", label + ": it carries no answer or no request_hash");
        }
    }

    /**
     * An event logged in several entries ({@link AccessEntry.Chunk}): its chunks 0..n-1 must follow one another in
     * the log, each stating the first one's header, and together name as many persons as the header counts (a
     * person's rows are never split between chunks). A chunk missing, out of place, erased or of another header
     * fails {@code access}; each chunk is judged as an access event of its own as well. An event whose chunks run
     * past the end of the audited tree (a checkpoint may end inside it) is checked as far as the tree goes.
     */
    private void chunkOrder(long index, Object read) {
        AccessEntry event = read instanceof AccessEntry e ? e : null;
        boolean chunk = event != null && event.chunk() != null;
        if (openChunks != null) {
            OpenChunks open = openChunks;
            AccessEntry first = open.first();
            boolean ofThisEvent = chunk && event.eventId().equals(first.eventId());
            if (ofThisEvent && !event.sameHeader(first)) {
                fail("access", chunkLabel(open.firstIndex(), first) + ": chunk " + event.chunk().index() + " at #"
                        + index + " states another header than its first chunk");
            }
            if (ofThisEvent && event.chunk().index() >= open.next()) {
                if (event.chunk().index() > open.next()) {
                    fail("access", chunkLabel(open.firstIndex(), first) + ": " + missing(open.next(),
                            event.chunk().index() - 1, first.chunk().count()) + ": #" + index + " is chunk "
                            + event.chunk().index());
                }
                long persons = open.persons() + accountsOf(event);
                boolean whole = open.whole() && event.chunk().index() == open.next() && event.sameHeader(first);
                if (event.chunk().index() >= first.chunk().count() - 1) {
                    if (whole && persons != first.personCount()) {
                        fail("access", chunkLabel(open.firstIndex(), first) + ": its chunks name " + persons
                                + " persons, its header counts " + first.personCount());
                    }
                    openChunks = null;
                } else {
                    openChunks = new OpenChunks(first, open.firstIndex(), event.chunk().index() + 1, persons, whole);
                }
                return;
            }
            String found = read == null ? "an erased entry" : event == null ? "not an access event"
                    : ofThisEvent ? "chunk " + event.chunk().index() + " again" : "another entry";
            fail("access", chunkLabel(open.firstIndex(), first) + ": " + missing(open.next(),
                    first.chunk().count() - 1, first.chunk().count()) + ": #" + index + " is " + found);
            openChunks = null;
        }
        if (chunk) {
            if (event.chunk().index() != 0) {
                fail("access", chunkLabel(index, event) + ": chunk " + event.chunk().index()
                        + " without the chunks before it");
                chunkedEvents++;
                if (!event.chunk().last()) {
                    openChunks = new OpenChunks(event, index, event.chunk().index() + 1, 0, false);
                }
            } else {
                chunkedEvents++;
                openChunks = new OpenChunks(event, index, 1, accountsOf(event), true);
            }
        }
    }

    private static String missing(int from, int to, int count) {
        return (from == to ? "chunk " + from : "chunks " + from + " to " + to) + " of " + count + " "
                + (from == to ? "is" : "are") + " missing";
    }

    private static long accountsOf(AccessEntry event) {
        return event.persons().stream().map(PersonAccess::accountId).distinct().count();
    }

    private static String chunkLabel(long index, AccessEntry event) {
        return Labels.accessEvent(index, event.eventId().toString()) + " (logged in " + event.chunk().count()
                + " chunks)";
    }

    private void accessEvent(long index, AccessEntry event) {
        if (event.chunk() == null || event.chunk().index() == 0) {
            accessEvents++;
        }
        String label = Labels.accessEvent(index, event.eventId().toString());
        List<String> problems = new ArrayList<>();
        PermitState permit = permits.get(event.permitId().toString());
        if (permit == null) {
            problems.add("its permit " + event.permitId() + " is not in the log before it");
        } else if (permit.revokedAt != null) {
            problems.add("its permit was revoked at #" + permit.revokedAt);
        }
        if (permit != null) {
            problems.addAll(ReliedOn.permitModeProblems(event, permit.basis));
            problems.addAll(permit.terms.problemsAsPermit(event.resourceTypes(), event.at()));
        }
        inclusions(index, event, permit, problems);
        Map<String, String> accountOfConsent = new HashMap<>();
        for (PersonAccess person : event.persons()) {
            if (person.consentId() != null) {
                accountOfConsent.put(person.consentId().toString(), person.accountId().toString());
            }
        }
        for (UUID id : event.consentIds()) {
            consentsRelied++;
            String crId = id.toString();
            ConsentState consent = consents.get(crId);
            if (consent == null) {
                problems.add("consent " + crId + " is not in the log before it" + erasedHint());
                continue;
            }
            String person = accountOfConsent.get(crId);
            if (person != null && !person.equals(consent.accountId())) {
                problems.add("it counts account " + person + " under consent " + crId + " of account "
                        + consent.accountId());
            }
            boolean live = consent.slrIds().stream().map(links::get)
                    .anyMatch(l -> l != null && ReliedOn.linkLiveAt(l.logIndex, l.removedAt, index));
            problems.addAll(ReliedOn.problems("consent " + crId, consent.chain().inForceBefore(index),
                    consent.validFrom(), consent.validUntil(), live, event.at()));
            problems.addAll(ReliedOn.modeProblems("consent " + crId, consent.accessModes(), event));
            if (permit != null) {
                problems.addAll(consent.terms().problemsAsConsent("consent " + crId, permit.terms,
                        event.resourceTypes()));
                problems.addAll(ReliedOn.versionProblems("consent " + crId, consent.programmeVersion(),
                        permit.version, permit.oldestReachable));
            }
        }
        if (!problems.isEmpty()) {
            fail("access", label + ": " + String.join("; ", problems));
        }
    }

    // ---- reporting ----------------------------------------------------------------------------------

    private String erasedHint() {
        return erased == 0 ? "" : " (it may be among the " + erased + " erased entries)";
    }

    private void fail(String check, String line) {
        List<String> lines = failures.computeIfAbsent(check, k -> new ArrayList<>());
        if (lines.size() < MAX_LINES_PER_CHECK) {
            lines.add(line);
        }
        failureCounts.merge(check, 1L, Long::sum);
    }

    private String verifiedSummary() {
        long total = verified.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder text = new StringBuilder(total + " signed records verified");
        if (verifyFrom > 0) {
            text.append(" from #").append(verifyFrom).append(" on (earlier ones were read, not re-verified)");
        }
        if (!verified.isEmpty()) {
            text.append(": ");
            List<String> parts = new ArrayList<>();
            verified.forEach((type, count) -> parts.add(count + " " + type.mediaType()));
            text.append(String.join(", ", parts));
        }
        return text.toString();
    }
}
