package org.mydata.operator.api.rest;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.link.ServiceLink;
import org.mydata.operator.link.ServiceLinks;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** A citizen's links to their health record sources (scope {@code citizen}). */
@RestController
@RequestMapping("/api/v1/me/links")
public class LinkController {
    private final ServiceLinks links;
    private final Callers callers;

    public LinkController(ServiceLinks links, Callers callers) {
        this.links = links;
        this.callers = callers;
    }

    /** Only the source: who the person is there, the operator asks the source itself. */
    public record LinkRequest(UUID sourceId) {
    }

    public record LinkView(UUID id, UUID sourceId, String surrogateId, String status, String record, Long logIndex,
                           Instant createdAt, Instant removedAt, String removalRecord, Long removalLogIndex) {
        static LinkView of(ServiceLink link) {
            return new LinkView(link.id(), link.sourceId(), link.surrogateId(), link.isLive() ? "live" : "removed",
                    link.record(), link.logIndex(), link.createdAt(), link.removedAt(), link.removalRecord(),
                    link.removalLogIndex());
        }
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    public LinkView link(@AuthenticationPrincipal Jwt token, @RequestBody LinkRequest request) {
        if (request.sourceId() == null) {
            throw new org.mydata.operator.failure.InvalidRequestException("sourceId", "sourceId is required");
        }
        return LinkView.of(links.link(callers.account(token), callers.personIdentifier(token), request.sourceId()));
    }

    @GetMapping
    public List<LinkView> list(@AuthenticationPrincipal Jwt token) {
        return links.list(callers.account(token)).stream().map(LinkView::of).toList();
    }

    /** Another account's refused claim on a patient this person's link holds: when, and which link; never who. */
    public record RefusedClaimView(UUID linkId, UUID sourceId, Instant attemptedAt) {
    }

    @GetMapping("/refused-claims")
    public List<RefusedClaimView> refusedClaims(@AuthenticationPrincipal Jwt token) {
        return links.refusedClaims(callers.account(token)).stream()
                .map(r -> new RefusedClaimView(r.linkId(), r.sourceId(), r.attemptedAt())).toList();
    }

    @GetMapping("/{id}")
    public LinkView get(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        return LinkView.of(links.get(callers.account(token), id));
    }

    @DeleteMapping("/{id}")
    public LinkView remove(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        return LinkView.of(links.remove(callers.account(token), id));
    }
}
