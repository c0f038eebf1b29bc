package org.mydata.operator.gateway.broker;

import java.util.Optional;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.Permits.UsablePermit;

/**
 * The permit and caller of the request this thread is serving. HAPI asks a stored search for its
 * later pages without the request at hand, so the page knows whom it serves through this.
 */
final class GatewayContext {
    record Current(UsablePermit permit, String caller) {
        /** The data permit itself, as the steward issued it: its id, project, purposes and scope. */
        Permit issued() {
            return permit.permit();
        }
    }

    private static final ThreadLocal<Current> CURRENT = new ThreadLocal<>();

    private GatewayContext() {
    }

    static void set(Current current) {
        CURRENT.set(current);
    }

    static Optional<Current> get() {
        return Optional.ofNullable(CURRENT.get());
    }

    static void clear() {
        CURRENT.remove();
    }
}
