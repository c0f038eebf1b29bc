package org.mydata.operator.verify.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The rules of one person's opt-out records for one programme ({@code opt-out+jwt}), applied one record at a
 * time in the order given: they form one chain per account and programme, like a consent's status records.
 * The first is {@code opted-out} and names no predecessor; each later one names the base64url SHA-256 of the
 * one before it in {@code prev_hash}; statuses alternate ({@code opted-out}, {@code withdrawn}, ...) so at most
 * one opt-out is live at a time; a {@code withdrawn} record names the {@code opt_out_id} it ends; log indexes
 * rise; every record names this account and programme and carries its own log index. Both auditors use it.
 */
final class OptOutChain {
    static final String CHECK = "opt-outs";
    static final String OPTED_OUT = "opted-out";
    static final String WITHDRAWN = "withdrawn";

    private final String accountId;
    private final String programmeId;
    /** Each step an opt-out that was live from one log index (and, when withdrawn, until another). */
    private final RecordChain<String> chain = new RecordChain<>();
    private String liveOptOutId;

    OptOutChain(String accountId, String programmeId) {
        this.accountId = accountId;
        this.programmeId = programmeId;
    }

    /** Takes the next record; returns what is wrong with it, empty when it extends the chain as the rules say. */
    List<String> append(long logIndex, ReadRecord record) {
        List<String> problems = new ArrayList<>();
        if (!Objects.equals(accountId, record.string("account_id"))
                || !Objects.equals(programmeId, record.string("programme_id"))) {
            problems.add("it is for account " + record.string("account_id") + " and programme "
                    + record.string("programme_id") + ", not account " + accountId + " and programme " + programmeId);
        }
        String logIndexProblem = RecordChain.logIndexProblem(record, logIndex);
        if (logIndexProblem != null) {
            problems.add(logIndexProblem);
        }
        String status = record.string("status");
        String optOutId = record.string("opt_out_id");
        String expected = liveOptOutId == null ? OPTED_OUT : WITHDRAWN;
        if (!expected.equals(status)) {
            problems.add("its status '" + status + "' is not the " + expected + " that must come next");
        } else if (WITHDRAWN.equals(status) && !liveOptOutId.equals(optOutId)) {
            problems.add("it withdraws opt-out " + optOutId + ", but the live one is " + liveOptOutId);
        }
        String prev = record.string("prev_hash");
        if (chain.isEmpty() && prev != null) {
            problems.add("it is the first opt-out record given but names a predecessor: an earlier record is missing");
        } else if (!chain.isEmpty() && !chain.linksBack(prev)) {
            problems.add("its prev_hash does not match the opt-out record before it (#" + chain.previousIndex()
                    + "): a record is missing, swapped or altered");
        }
        if (chain.outOfOrder(logIndex)) {
            problems.add("it is out of log order after #" + chain.previousIndex());
        }
        chain.took(logIndex, record);
        if (OPTED_OUT.equals(status) || WITHDRAWN.equals(status)) {
            chain.step(logIndex, status);
            liveOptOutId = OPTED_OUT.equals(status) ? optOutId : null;
        }
        return problems;
    }

    /** The opt-out live just before the log reached this index: its record, if the latest one then opted out. */
    Optional<RecordChain.Step<String>> liveBefore(long logIndex) {
        return chain.before(logIndex).filter(step -> OPTED_OUT.equals(step.status()));
    }

    int size() {
        return chain.steps();
    }

    boolean live() {
        return liveOptOutId != null;
    }
}
