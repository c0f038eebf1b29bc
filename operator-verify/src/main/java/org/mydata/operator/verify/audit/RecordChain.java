package org.mydata.operator.verify.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mydata.operator.verify.consent.RecordHash;

/**
 * What every chain of signed records has in common, a consent's status records ({@link StatusChain}) and a
 * person's opt-outs of a programme ({@link OptOutChain}) alike: each record carries its own log index, names the
 * record before it by its base64url SHA-256 and sits later in the log; and the states the records brought into
 * force, each from its log index on. The two chains keep their own rules of which state may follow which.
 *
 * @param <S> the state a record brings into force
 */
final class RecordChain<S> {
    /** A state that came into force at a log index. */
    record Step<S>(long logIndex, S status) {
    }

    private final List<Step<S>> steps = new ArrayList<>();
    private String previousRecord;
    private Long previousIndex;

    /** What is wrong with a record's own {@code log_index} claim, null when it names where the record sits. */
    static String logIndexProblem(ReadRecord record, long logIndex) {
        Long claimed = record.wholeNumber("log_index");
        if (claimed == null) {
            return "it carries no log_index claim";
        }
        return claimed == logIndex ? null : "it claims log_index " + claimed + " but sits at log index " + logIndex;
    }

    /** Whether no record was taken yet. */
    boolean isEmpty() {
        return previousIndex == null;
    }

    /** The log index of the record taken last; null before the first. */
    Long previousIndex() {
        return previousIndex;
    }

    /** Whether a record's predecessor hash names the record taken last. */
    boolean linksBack(String previousHash) {
        return RecordHash.chainsTo(previousHash, previousRecord);
    }

    /** Whether a record at this log index would come before or at the one taken last. */
    boolean outOfOrder(long logIndex) {
        return previousIndex != null && logIndex <= previousIndex;
    }

    /** Takes a record as the last one, whatever was wrong with it, so a break is reported once, where it is. */
    void took(long logIndex, ReadRecord record) {
        previousRecord = record.jws();
        previousIndex = logIndex;
    }

    /** Records that a state came into force at a log index. */
    void step(long logIndex, S status) {
        steps.add(new Step<>(logIndex, status));
    }

    /** The state in force just before the log reached this index: the latest step below it. */
    Optional<Step<S>> before(long logIndex) {
        Step<S> best = null;
        for (Step<S> step : steps) {
            if (step.logIndex() < logIndex && (best == null || step.logIndex() > best.logIndex())) {
                best = step;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The state taken last, in the order given. */
    Optional<Step<S>> latest() {
        return steps.isEmpty() ? Optional.empty() : Optional.of(steps.get(steps.size() - 1));
    }

    int steps() {
        return steps.size();
    }
}
