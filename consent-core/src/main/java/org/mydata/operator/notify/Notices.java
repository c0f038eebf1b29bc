package org.mydata.operator.notify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * What a person may know of the events about them: which permit holder was told of which change to their
 * consent, when the telling arrived (or that it has not yet), and whether the holder confirmed the erasure it
 * was asked for. Pseudonyms and webhook addresses stay out: they are the holder's business.
 */
public final class Notices {
    private final Transactions tx;

    public Notices(Transactions tx) {
        this.tx = tx;
    }

    /**
     * How far the telling got, over the permit's webhooks: {@code delivered} as soon as one endpoint took it,
     * {@code pending} while attempts go on, {@code failed} when every one was given up, {@code no-webhook} when
     * the holder registered none (it reads its events through the API).
     */
    public enum Delivery {
        DELIVERED("delivered"), PENDING("pending"), FAILED("failed"), NO_WEBHOOK("no-webhook");

        private final String wire;

        Delivery(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    /**
     * One event about the person.
     *
     * @param firstDeliveredAt when an endpoint of the holder first took it; null if none has yet
     * @param erasure          the holder's acknowledgement, null while it has not confirmed
     */
    public record Notice(UUID eventId, String type, UUID consentId, UUID permitId, String researcher,
                         String organisation, Instant occurredAt, boolean erasureRequested, Delivery delivery,
                         Instant firstDeliveredAt, Erasures.Acknowledgement erasure) {
    }

    /** Every event about the person, newest first. */
    public List<Notice> ofAccount(UUID accountId) {
        return tx.read(c -> query(c, accountId, null));
    }

    /** The events about the person through one of their consents, newest first. */
    public List<Notice> ofConsent(UUID accountId, UUID consentId) {
        return tx.read(c -> query(c, accountId, consentId));
    }

    /** For an auditor: every event about a consent, whoever's. */
    public List<Notice> ofConsentForAudit(UUID consentId) {
        return tx.read(c -> query(c, null, consentId));
    }

    private static List<Notice> query(Connection c, UUID accountId, UUID consentId) throws SQLException {
        Map<UUID, Notice> notices = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("""
                select e.id, e.type, e.permit_id, e.occurred_at, e.erasure_requested, s.consent_id,
                       p.researcher, p.organisation,
                       (select min(d.delivered_at) from webhook_delivery d where d.event_id = e.id) as delivered_at,
                       (select count(*) from webhook_delivery d where d.event_id = e.id) as deliveries,
                       (select count(*) from webhook_delivery d where d.event_id = e.id and d.state = 'pending')
                           as pending
                  from notification_subject s
                  join notification_event e on e.id = s.event_id
                  join permit p on p.id = e.permit_id
                 where (?::uuid is null or s.account_id = ?::uuid) and (?::uuid is null or s.consent_id = ?::uuid)
                 order by e.created_at desc, e.id
                """)) {
            ps.setObject(1, accountId);
            ps.setObject(2, accountId);
            ps.setObject(3, consentId);
            ps.setObject(4, consentId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID eventId = Sql.uuid(rs, "id");
                    Instant delivered = Sql.instant(rs, "delivered_at");
                    Delivery delivery = delivered != null ? Delivery.DELIVERED
                            : rs.getLong("deliveries") == 0 ? Delivery.NO_WEBHOOK
                            : rs.getLong("pending") > 0 ? Delivery.PENDING : Delivery.FAILED;
                    notices.putIfAbsent(eventId, new Notice(eventId, rs.getString("type"), Sql.uuid(rs, "consent_id"),
                            Sql.uuid(rs, "permit_id"), rs.getString("researcher"), rs.getString("organisation"),
                            Sql.instant(rs, "occurred_at"), rs.getBoolean("erasure_requested"), delivery, delivered,
                            null));
                }
            }
        }
        List<Notice> result = new ArrayList<>(notices.size());
        for (Notice n : notices.values()) {
            result.add(new Notice(n.eventId(), n.type(), n.consentId(), n.permitId(), n.researcher(), n.organisation(),
                    n.occurredAt(), n.erasureRequested(), n.delivery(), n.firstDeliveredAt(),
                    Erasures.find(c, n.eventId()).orElse(null)));
        }
        return result;
    }
}
