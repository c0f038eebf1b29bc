package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.permit.Permits.UsablePermit;

/**
 * Every gateway request starts here: the first path segment names the permit, and only its researcher
 * may use it while it is valid and unrevoked. Anyone else learns nothing: 404, as for a permit that
 * does not exist. Read from the database at every request, so a revocation is honoured at once.
 *
 * <p>Every request at a permit's base passes here, whatever it asks for (read, search by GET or POST, history,
 * {@code $everything}, the bulk export's kick-off, status and files), so this is where a statistics permit is
 * held to statistics: it reads no records, and gets a 403 at every endpoint but the CapabilityStatement (the SMART
 * discovery document is answered before this, for any base).
 */
public final class PermitGuard {
    private final Permits permits;
    private final Function<HttpServletRequest, Optional<String>> callers;
    private final Clock clock;

    /** @param callers the authenticated subject of a request, as the edge's security layer established it */
    public PermitGuard(Permits permits, Function<HttpServletRequest, Optional<String>> callers, Clock clock) {
        this.permits = permits;
        this.callers = callers;
        this.clock = clock;
    }

    /** A refusal is written here and ends the request (see {@link Refusals}): a wrong address is no failure. */
    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public boolean admit(RequestDetails details, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        String tenant = details.getTenantId();
        UUID permitId;
        try {
            permitId = UUID.fromString(tenant == null ? "" : tenant);
        } catch (IllegalArgumentException e) {
            return notFound(details, response, "No FHIR base at this address: the path starts with a permit id.");
        }
        Optional<String> caller = callers.apply(request);
        Optional<UsablePermit> permit = caller.flatMap(who -> permits.forUse(permitId, who, clock.instant()));
        if (permit.isEmpty()) {
            return notFound(details, response, "No FHIR base at this address.");
        }
        if (!AccessMode.RECORDS.isAllowedBy(List.of(permit.get().permit().accessMode()))
                && details.getRestOperationType() != RestOperationTypeEnum.METADATA) {
            return Refusals.write(details, response, 403, Refusals.outcome(OperationOutcome.IssueType.FORBIDDEN,
                    "This permit is for statistics only: records are not released under it. Ask for statistical "
                            + "answers at /api/v1/permits/" + permitId + "/statistics."));
        }
        GatewayContext.set(new GatewayContext.Current(permit.get(), caller.get()));
        return true;
    }

    private static boolean notFound(RequestDetails details, HttpServletResponse response, String diagnostics)
            throws IOException {
        return Refusals.write(details, response, 404,
                Refusals.outcome(OperationOutcome.IssueType.NOTFOUND, diagnostics));
    }

    @Hook(Pointcut.SERVER_PROCESSING_COMPLETED)
    public void done() {
        GatewayContext.clear();
    }
}
