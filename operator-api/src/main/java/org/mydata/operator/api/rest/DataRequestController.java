package org.mydata.operator.api.rest;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.Map;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.gateway.broker.Broker;
import org.mydata.operator.gateway.pseudonym.RiskReport;
import org.mydata.operator.request.DataRequest;
import org.mydata.operator.request.DataRequests;
import org.mydata.operator.request.NewDataRequest;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.Permits;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Data requests (researchers), decisions and revocations (the programme's stewards), and permits.
 * A researcher sees only its own requests, a steward only those to programmes it decides for.
 */
@RestController
@RequestMapping("/api/v1")
public class DataRequestController {
    static final String ORGANISATION_CLAIM = "organisation";
    private final DataRequests requests;
    private final Permits permits;
    private final java.time.Clock clock;
    private final Broker broker;

    public DataRequestController(DataRequests requests, Permits permits, java.time.Clock clock, Broker broker) {
        this.requests = requests;
        this.permits = permits;
        this.clock = clock;
        this.broker = broker;
    }

    /** @param accessMode {@code statistics} or {@code records}; records when left out, as before access modes */
    public record RequestBodyJson(UUID programmeId, String title, String organisation, String purpose, ScopeJson scope,
                                  String justification, Instant validUntil, String accessMode) {
    }

    public record DecisionJson(String decision, String reason) {
    }

    public record RevocationJson(String reason) {
    }

    public record RequestView(UUID id, UUID programmeId, String requester, String organisation, String title,
                              String purpose, ScopeJson scope, String justification, Instant validUntil, String status,
                              String decidedBy, Instant decidedAt, String reason, String decisionRecord, UUID permitId,
                              String fhirBase, Instant createdAt, String accessMode) {
        static RequestView of(DataRequest r) {
            return new RequestView(r.id(), r.programmeId(), r.requester(), r.organisation(), r.title(),
                    r.purpose().code(), ScopeJson.of(r.scope()), r.justification(), r.validUntil(), r.status().wire(),
                    r.decidedBy(), r.decidedAt(), r.reason(), r.decisionRecord(), r.permitId(),
                    r.permitId() == null ? null : "/fhir/" + r.permitId(), r.createdAt(), r.accessMode().wireName());
        }
    }

    public record PermitView(UUID id, UUID projectId, UUID programmeId, String researcher, String organisation,
                             List<String> purposes, ScopeJson scope, Instant validFrom, Instant validUntil,
                             String status, String record, Instant revokedAt, String revocationRecord, String fhirBase,
                             String accessMode, int programmeVersion) {
        static PermitView of(Permit p, Instant now) {
            return new PermitView(p.id(), p.projectId(), p.programmeId(), p.researcher(), p.organisation(),
                    p.purposes().stream().map(x -> x.code()).toList(), ScopeJson.of(p.scope()), p.validFrom(),
                    p.validUntil(), p.revokedAt() != null ? "revoked" : p.isUsable(now) ? "active" : "expired",
                    p.record(), p.revokedAt(), p.revocationRecord(), "/fhir/" + p.id(), p.accessMode().wireName(),
                    p.issuedUnder().version());
        }
    }

    @PostMapping("/requests")
    @ResponseStatus(HttpStatus.CREATED)
    public RequestView submit(@AuthenticationPrincipal Jwt token, @RequestBody RequestBodyJson body) {
        String vouched = organisation(token);
        String organisation = body.organisation() == null ? vouched : body.organisation();
        if (vouched != null && !vouched.equals(organisation)) {
            // Separation of duties compares organisations: one the identity provider vouches for cannot be swapped.
            throw new InvalidRequestException("organisation", "your token says you are of '" + vouched
                    + "'; a request cannot be made for another organisation");
        }
        return RequestView.of(requests.submit(token.getSubject(), new NewDataRequest(body.programmeId(), body.title(),
                organisation, body.purpose(), body.scope() == null ? null : body.scope().toDomain(),
                body.justification(), body.validUntil(), body.accessMode())));
    }

    @GetMapping("/requests")
    public List<RequestView> list(@AuthenticationPrincipal Jwt token) {
        List<DataRequest> found = hasScope(token, "steward") ? requests.forSteward(token.getSubject())
                : requests.ofResearcher(token.getSubject());
        return found.stream().map(RequestView::of).toList();
    }

    @GetMapping("/requests/{id}")
    public RequestView get(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        if (hasScope(token, "steward")) {
            return requests.forSteward(token.getSubject()).stream().filter(r -> r.id().equals(id)).findFirst()
                    .map(RequestView::of)
                    .orElseThrow(() -> new org.mydata.operator.failure.NotFoundException("no data request " + id));
        }
        return RequestView.of(requests.ofResearcher(token.getSubject(), id));
    }

    /**
     * The re-identification risk of the records the request asks for, for today's cohort (stewards only; issue
     * 21): surveyed at the sources now, so it takes as long as reading the cohort's data once. The report read
     * last is quoted, figures and hash, by the signed permit if the request is approved.
     */
    @GetMapping("/requests/{id}/risk")
    public Map<String, Object> risk(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        // Anyone but a steward of the request's programme is told there is no such request, as by get().
        Permit prospective = requests.prospectivePermit(token.getSubject(), id);
        Map<String, Object> report = new java.util.LinkedHashMap<>();
        report.put("requestId", id.toString());
        report.putAll(RiskReport.of(broker.plans().assess(prospective), prospective.scope()));
        requests.keepRiskReport(token.getSubject(), id, report);
        return report;
    }

    @PostMapping("/requests/{id}/decision")
    public RequestView decide(@AuthenticationPrincipal Jwt token, @PathVariable UUID id, @RequestBody DecisionJson body) {
        DataRequests.Decision decision;
        if ("approve".equals(body.decision())) {
            decision = DataRequests.Decision.APPROVE;
        } else if ("reject".equals(body.decision())) {
            decision = DataRequests.Decision.REJECT;
        } else {
            throw new InvalidRequestException("decision", "decision must be approve or reject");
        }
        return RequestView.of(requests.decide(token.getSubject(), organisation(token), id, decision, body.reason()));
    }

    @GetMapping("/permits/{id}")
    public PermitView permit(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        return PermitView.of(permits.ofResearcher(token.getSubject(), id), clock.instant());
    }

    @PostMapping("/permits/{id}/revoke")
    public PermitView revoke(@AuthenticationPrincipal Jwt token, @PathVariable UUID id,
                             @RequestBody(required = false) RevocationJson body) {
        return PermitView.of(requests.revoke(token.getSubject(), id, body == null ? null : body.reason()), clock.instant());
    }

    /**
     * The caller's organisation when its token carries an {@code organisation} claim (an identity provider that
     * knows organisations vouches for it); the embedded authorization server issues none, so then it is unknown.
     */
    static String organisation(Jwt token) {
        String claim = token.getClaimAsString(ORGANISATION_CLAIM);
        return claim == null || claim.isBlank() ? null : claim.strip();
    }

    private static boolean hasScope(Jwt token, String scope) {
        Object scopes = token.getClaims().get("scope");
        if (scopes instanceof java.util.Collection<?> list) {
            return list.contains(scope);
        }
        return scopes instanceof String s && List.of(s.split(" ")).contains(scope);
    }
}
