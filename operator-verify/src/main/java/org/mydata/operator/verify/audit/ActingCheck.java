package org.mydata.operator.verify.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mydata.operator.verify.json.JsonNumbers;

/**
 * Who made a record, when it was not its subject. A record names its subject ({@code account_id}); one made by
 * someone acting for the subject names the actor and the representation relied on in its {@value #CLAIM}
 * claim:
 *
 * <pre>
 * "actor": {"account_id": "…", "representation": {"kind": "guardian"|"mandate", "reference": "…", "checked_at": n}}
 * </pre>
 *
 * The rules: an actor is another account than the subject; it acted on a representation of a known kind with a
 * reference, checked no later than the record was made ({@code iat}); a record with an actor and no
 * representation is refused, since nobody may act for another person without one. A person's own confirmation
 * after coming of age ({@code own_decision}) is made by the person, never by an actor. A record without the claim
 * was made by its subject, as every record before representation existed was.
 */
final class ActingCheck {
    static final String CHECK = "acting";
    static final String CLAIM = "actor";
    private static final Set<String> KINDS = Set.of("guardian", "mandate");

    private ActingCheck() {
    }

    /** Whether the record says anything about an actor, so there is something to check. */
    static boolean applies(ReadRecord record) {
        return record.claims().containsKey(CLAIM) || record.claims().containsKey("representation")
                || record.claims().containsKey("own_decision");
    }

    /** The problems with the record's actor; empty when the subject acted, or the actor is named as the rules say. */
    static List<String> problems(ReadRecord record) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> claims = record.claims();
        Object actor = claims.get(CLAIM);
        if (claims.containsKey("representation")) {
            problems.add("it names a representation outside an actor claim");
        }
        if (claims.containsKey("own_decision") && !"confirmed".equals(claims.get("own_decision"))) {
            problems.add("its own_decision '" + claims.get("own_decision") + "' is not 'confirmed'");
        }
        if (actor == null) {
            return problems;
        }
        if (claims.containsKey("own_decision")) {
            problems.add("it records the person's own decision but names an actor: only the person decides for "
                    + "themself");
        }
        if (!(actor instanceof Map<?, ?> named)) {
            problems.add("its actor claim is not an object");
            return problems;
        }
        Object actorAccount = named.get("account_id");
        if (!(actorAccount instanceof String id) || id.isBlank()) {
            problems.add("its actor names no account");
        } else if (id.equals(record.string("account_id"))) {
            problems.add("its actor is its own subject, which needs no representation: the actor claim is for "
                    + "another person");
        }
        if (!(named.get("representation") instanceof Map<?, ?> representation)) {
            problems.add("its actor " + actorAccount + " acted for account " + record.string("account_id")
                    + " with no representation: nobody may act for another person without a guardianship or a "
                    + "mandate");
            return problems;
        }
        Object kind = representation.get("kind");
        if (!(kind instanceof String k) || !KINDS.contains(k)) {
            problems.add("its representation's kind '" + kind + "' is neither guardian nor mandate");
        }
        if (!(representation.get("reference") instanceof String reference) || reference.isBlank()) {
            problems.add("its representation names no reference");
        }
        Long checkedAt = JsonNumbers.wholeNumber(representation.get("checked_at"));
        Long iat = record.wholeNumber("iat");
        if (checkedAt == null) {
            problems.add("its representation does not say when it was checked");
        } else if (iat != null && checkedAt > iat) {
            problems.add("its representation was checked at " + checkedAt + ", after the record was made (iat "
                    + iat + ")");
        }
        return problems;
    }

    /** One line for a passing record: who acted for whom on what. */
    static String summary(ReadRecord record) {
        if (!(record.claims().get(CLAIM) instanceof Map<?, ?> actor)
                || !(actor.get("representation") instanceof Map<?, ?> representation)) {
            return "made by its subject, account " + record.string("account_id")
                    + (record.claims().containsKey("own_decision") ? ", confirming their own decision" : "");
        }
        return "account " + actor.get("account_id") + " acted for account " + record.string("account_id") + " as "
                + representation.get("kind") + " (" + representation.get("reference") + ")";
    }
}
