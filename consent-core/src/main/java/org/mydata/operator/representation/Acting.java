package org.mydata.operator.representation;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Who makes a record when it is not its subject: the actor's account and the representation relied on, as the
 * signed record states it in its {@value #CLAIM} claim. A record without that claim was made by its subject
 * (every record signed before representation existed reads so).
 *
 * <pre>
 * "actor": {"account_id": "…", "representation": {"kind": "guardian", "reference": "…", "checked_at": 1767225600}}
 * </pre>
 *
 * @param checkedAt when the operator asked the registry, whole seconds in the record
 */
public record Acting(UUID actorAccountId, RepresentationKind kind, String reference, Instant checkedAt) {
    public static final String CLAIM = "actor";

    public Acting {
        Objects.requireNonNull(actorAccountId, "actorAccountId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(checkedAt, "checkedAt");
    }

    /** The claim's value. */
    Map<String, Object> claim() {
        Map<String, Object> representation = new LinkedHashMap<>();
        representation.put("kind", kind.wire());
        representation.put("reference", reference);
        representation.put("checked_at", checkedAt.getEpochSecond());
        Map<String, Object> actor = new LinkedHashMap<>();
        actor.put("account_id", actorAccountId.toString());
        actor.put("representation", representation);
        return actor;
    }

    /** Adds the {@value #CLAIM} claim when someone acted for the subject; a subject's own act adds nothing. */
    public static void addTo(Map<String, Object> claims, Acting acting) {
        if (acting != null) {
            claims.put(CLAIM, acting.claim());
        }
    }

    /** Reads the claim back from what the database keeps (the claim's JSON); null when the subject acted. */
    @SuppressWarnings("unchecked")
    static Acting fromClaim(Object claim) {
        if (!(claim instanceof Map<?, ?> actor) || !(actor.get("representation") instanceof Map<?, ?> rep)) {
            return null;
        }
        return new Acting(UUID.fromString(String.valueOf(actor.get("account_id"))),
                RepresentationKind.fromWire(String.valueOf(rep.get("kind"))).orElseThrow(),
                String.valueOf(rep.get("reference")),
                Instant.ofEpochSecond(((Number) rep.get("checked_at")).longValue()));
    }
}
