package org.mydata.operator.release;

import java.util.UUID;
import org.mydata.operator.verify.access.PersonAccess;

/**
 * What a release relies on for one person: a consent of theirs ({@link ConsentGrant}) when the permit's programme
 * rests on consent, or their inclusion through a service link ({@link Inclusion}) when it rests on an opt-out
 * basis. The access event names it per person: {@code consent_id} or {@code slr_id}.
 */
public sealed interface Grant permits ConsentGrant, Inclusion {

    /** The consent's id, or the service link's. */
    UUID id();

    UUID accountId();

    /** The person's row of an access event that released this many resources under it. */
    PersonAccess access(int resourceCount);
}
