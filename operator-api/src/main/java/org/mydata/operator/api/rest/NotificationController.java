package org.mydata.operator.api.rest;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.notify.Erasures;
import org.mydata.operator.notify.Notices;
import org.mydata.operator.notify.Webhooks;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Permit holders' webhooks, the deliveries to them, erasure acknowledgements (docs/notifications.md), and what
 * a citizen may see of the events about them.
 */
@RestController
public class NotificationController {
    private final Webhooks webhooks;
    private final Erasures erasures;
    private final Notices notices;
    private final Callers callers;
    private final Consents consents;
    private final Clock clock;

    public NotificationController(Webhooks webhooks, Erasures erasures, Notices notices, Callers callers,
                                  Consents consents, Clock clock) {
        this.consents = consents;
        this.webhooks = webhooks;
        this.erasures = erasures;
        this.notices = notices;
        this.callers = callers;
        this.clock = clock;
    }

    public record WebhookRequest(String url) {
    }

    public record WebhookView(UUID id, UUID permitId, URI url, Instant createdAt) {
        static WebhookView of(Webhooks.Webhook w) {
            return new WebhookView(w.id(), w.permitId(), w.url(), w.createdAt());
        }
    }

    public record ErasureRequest(@JsonProperty("done_at") @JsonAlias("doneAt") Instant doneAt, String note) {
    }

    public record AcknowledgementView(UUID id, UUID eventId, UUID permitId, String acknowledgedBy, Instant doneAt,
                                      String note, String record, long logIndex, Instant acknowledgedAt) {
        static AcknowledgementView of(Erasures.Acknowledgement a) {
            return a == null ? null : new AcknowledgementView(a.id(), a.eventId(), a.permitId(), a.acknowledgedBy(),
                    a.doneAt(), a.note(), a.record(), a.logIndex(), a.createdAt());
        }
    }

    /**
     * An event about the citizen, as they may see it.
     *
     * @param awaitingConfirmationSeconds while an erasure was asked for and not confirmed: seconds since the event
     */
    public record NoticeView(UUID eventId, String type, UUID consentId, UUID permitId, String recipient,
                             String organisation, Instant occurredAt, boolean erasureRequested, String delivery,
                             Instant deliveredAt, AcknowledgementView erasure, Long awaitingConfirmationSeconds) {
        static NoticeView of(Notices.Notice n, Instant now) {
            Long waiting = n.erasureRequested() && n.erasure() == null
                    ? Math.max(0, Duration.between(n.occurredAt(), now).toSeconds()) : null;
            return new NoticeView(n.eventId(), n.type(), n.consentId(), n.permitId(), n.researcher(),
                    n.organisation(), n.occurredAt(), n.erasureRequested(), n.delivery().wire(), n.firstDeliveredAt(),
                    AcknowledgementView.of(n.erasure()), waiting);
        }
    }

    /** Scope {@code researcher}, the permit's holder. */
    @PostMapping("/api/v1/permits/{id}/webhooks")
    @ResponseStatus(HttpStatus.CREATED)
    public WebhookView register(@AuthenticationPrincipal Jwt token, @PathVariable UUID id,
                                @RequestBody WebhookRequest body) {
        return WebhookView.of(webhooks.register(token.getSubject(), id, body.url()));
    }

    @GetMapping("/api/v1/permits/{id}/webhooks")
    public List<WebhookView> list(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        return webhooks.list(token.getSubject(), id).stream().map(WebhookView::of).toList();
    }

    @DeleteMapping("/api/v1/permits/{id}/webhooks/{webhookId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public void delete(@AuthenticationPrincipal Jwt token, @PathVariable UUID id, @PathVariable UUID webhookId) {
        webhooks.delete(token.getSubject(), id, webhookId);
    }

    /** Scope {@code researcher} (the holder) or {@code steward} (of the permit's programme). */
    @GetMapping("/api/v1/permits/{id}/webhooks/deliveries")
    public List<Webhooks.Delivery> deliveries(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        return webhooks.deliveries(token.getSubject(), id);
    }

    /** Scope {@code researcher}, the permit's holder: 201 with the signed record, 200 with the same on a repeat. */
    @PostMapping("/api/v1/permits/{id}/erasures/{eventId}")
    public ResponseEntity<AcknowledgementView> acknowledge(@AuthenticationPrincipal Jwt token, @PathVariable UUID id,
                                                           @PathVariable UUID eventId,
                                                           @RequestBody ErasureRequest body) {
        Erasures.Outcome outcome = erasures.acknowledge(token.getSubject(), id, eventId,
                body == null ? null : body.doneAt(), body == null ? null : body.note());
        return ResponseEntity.status(outcome.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(AcknowledgementView.of(outcome.acknowledgement()));
    }

    /** Scope {@code citizen}: every event about them, newest first. */
    @GetMapping("/api/v1/me/notifications")
    public List<NoticeView> mine(@AuthenticationPrincipal Jwt token) {
        Instant now = clock.instant();
        return notices.ofAccount(callers.account(token).id()).stream().map(n -> NoticeView.of(n, now)).toList();
    }

    /** Scope {@code citizen}: the events about them through one consent; another person's consent is 404. */
    @GetMapping("/api/v1/me/consents/{id}/notifications")
    public List<NoticeView> ofConsent(@AuthenticationPrincipal Jwt token, @PathVariable UUID id) {
        Instant now = clock.instant();
        Account account = callers.account(token);
        consents.get(account, id);
        return notices.ofConsent(account.id(), id).stream().map(n -> NoticeView.of(n, now)).toList();
    }
}
