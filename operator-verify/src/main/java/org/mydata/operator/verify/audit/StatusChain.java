package org.mydata.operator.verify.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mydata.operator.verify.consent.ConsentStatus;

/**
 * The rules of one consent's status chain, applied one status record at a time in the order given (the
 * order the operator claims): the first record is {@code active} and names no predecessor; each later one
 * names the base64url SHA-256 of the one before it in {@code prev_csr_hash}; log indexes rise; nothing
 * follows {@code withdrawn}; every record names this consent and carries its own log index. Both the
 * bundle verifier and the full-log audit use it, so the two cannot disagree about what a valid chain is.
 *
 * <p>After a broken link the chain continues from the record just read, so one dropped or swapped record
 * is reported where it breaks the chain rather than at every record after it.
 */
final class StatusChain {
    static final String CLAIMS = "claims";
    static final String CHAIN = "chain";
    static final String WITHDRAWAL_FINAL = "withdrawal final";

    /** What went wrong with one status record, and under which check it is reported. */
    record Problem(String check, String reason) {
    }

    private final String consentId;
    private final Long consentLogIndex;
    /** Each step a status that came into force at a log index. */
    private final RecordChain<ConsentStatus> chain = new RecordChain<>();
    private Long withdrawnAt;

    /**
     * @param consentLogIndex the consent record's log index, which every status record must follow; null
     *                        when unknown
     */
    StatusChain(String consentId, Long consentLogIndex) {
        this.consentId = consentId;
        this.consentLogIndex = consentLogIndex;
    }

    /**
     * Takes the next status record.
     *
     * @param logIndex the index at which the record sits in the log (stated by the bundle, or the entry's own)
     * @return the problems found; empty when the record extends the chain as the rules say
     */
    List<Problem> append(long logIndex, ReadRecord csr) {
        List<Problem> problems = new ArrayList<>();
        String crId = csr.string("cr_id");
        if (!consentId.equals(crId)) {
            problems.add(new Problem(CLAIMS, "its cr_id " + crId + " is not consent " + consentId));
        }
        String logIndexProblem = RecordChain.logIndexProblem(csr, logIndex);
        if (logIndexProblem != null) {
            problems.add(new Problem(CLAIMS, logIndexProblem));
        }
        Optional<ConsentStatus> status = ConsentStatus.fromWire(csr.string("status"));
        if (status.isEmpty()) {
            problems.add(new Problem(CLAIMS, "its status '" + csr.string("status") + "' is none of active, paused, "
                    + "withdrawn"));
        }
        String prev = csr.string("prev_csr_hash");
        if (chain.isEmpty()) {
            if (prev != null) {
                problems.add(new Problem(CHAIN, "it is the first status record given but names a predecessor "
                        + "(prev_csr_hash " + prev + "): an earlier record is missing"));
            }
            if (status.isPresent() && status.get() != ConsentStatus.ACTIVE) {
                problems.add(new Problem(CHAIN, "the first status record must be active, not " + status.get().wire()));
            }
            if (consentLogIndex != null && logIndex <= consentLogIndex) {
                problems.add(new Problem(CHAIN, "it precedes its consent record (log #" + consentLogIndex + ")"));
            }
        } else {
            if (prev == null) {
                problems.add(new Problem(CHAIN, "it names no predecessor, but follows csr #" + chain.previousIndex()));
            } else if (!chain.linksBack(prev)) {
                problems.add(new Problem(CHAIN, "its prev_csr_hash does not match the status record before it "
                        + "(csr #" + chain.previousIndex() + "): a record is missing, swapped or altered"));
            }
            if (chain.outOfOrder(logIndex)) {
                problems.add(new Problem(CHAIN, "it is out of log order: log #" + logIndex + " comes after csr #"
                        + chain.previousIndex()));
            }
        }
        if (withdrawnAt != null) {
            problems.add(new Problem(WITHDRAWAL_FINAL, "it changes the status after the withdrawal at csr #"
                    + withdrawnAt));
        }
        chain.took(logIndex, csr);
        // A withdrawal is final: whatever follows it is reported above and changes nothing in force.
        if (status.isPresent() && withdrawnAt == null) {
            chain.step(logIndex, status.get());
            if (status.get() == ConsentStatus.WITHDRAWN) {
                withdrawnAt = logIndex;
            }
        }
        return problems;
    }

    /** The status record in force just before the log reached this index: the latest one below it. */
    Optional<RecordChain.Step<ConsentStatus>> inForceBefore(long logIndex) {
        return chain.before(logIndex);
    }

    /** The most recent status record taken, in the order given. */
    Optional<RecordChain.Step<ConsentStatus>> latest() {
        return chain.latest();
    }

    boolean isEmpty() {
        return chain.isEmpty();
    }

    Long withdrawnAt() {
        return withdrawnAt;
    }
}
