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
import java.util.TreeSet;
import java.util.UUID;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.json.Json;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.PermitPseudonyms;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.release.ConsentGrant;
import org.mydata.operator.release.PermitTerms;
import org.mydata.operator.release.ReleasePolicy;
import org.mydata.operator.verify.release.Standing;
import org.mydata.operator.verify.release.Validity;
import org.mydata.operator.store.Sql;

/**
 * Writes the events permit holders are told of, on the connection of the change itself: a consent's status
 * record, a link's removal or a permit's revocation is stored in the log appender's batch transaction, and so
 * is its event, or neither is. Each event names one permit and the persons concerned by that permit's
 * pseudonyms ({@link PermitPseudonyms}, the gateway's own), and gets one pending delivery per webhook the
 * permit has at that moment. {@link Deliveries} sends them.
 */
public final class Outbox {
    private Outbox() {
    }

    /** A person an event is about, through one of their consents. */
    record Subject(UUID accountId, UUID consentId) {
    }

    /**
     * A consent was withdrawn or paused. Concerned are the permits of its programme that could rely on it (the
     * release policy's purpose and type rules, judged as if the consent were still active). A withdrawal asks
     * every such permit that ever began, revoked or expired ones too, to erase: each may hold data read under
     * it. A pause concerns only permits that could still read.
     *
     * @return the events written
     */
    public static List<UUID> consentChanged(Connection c, UUID consentId, NotificationType type, long logIndex,
                                            Instant at) throws SQLException {
        ConsentRow consent = consent(c, consentId);
        List<UUID> events = new ArrayList<>();
        for (Permit permit : Permits.ofProgramme(c, consent.programmeId())) {
            if (concerns(permit, consent, type.erasureRequested(), at)) {
                events.add(write(c, permit, type, logIndex, at, List.of(new Subject(consent.accountId(), consentId))));
            }
        }
        return events;
    }

    /**
     * A consent the log appender's batch paused or withdrew, with what the batch already read of it: the
     * consent's row as {@link #consentChanged} reads it.
     */
    public record ConsentChange(UUID consentId, UUID accountId, UUID programmeId, List<Purpose> purposes,
                                DataScope scope, List<org.mydata.operator.verify.release.AccessMode> accessModes,
                                Validity validity, NotificationType type, long logIndex, Instant at,
                                int programmeVersion) {
    }

    /**
     * As {@link #consentChanged} for each change, in order, with one statement for the permits of all their
     * programmes: a batch of status changes reads them once.
     *
     * @return the events written
     */
    public static List<UUID> consentsChanged(Connection c, List<ConsentChange> changes) throws SQLException {
        List<UUID> events = new ArrayList<>();
        if (changes.isEmpty()) {
            return events;
        }
        Map<UUID, List<Permit>> permits = Permits.ofProgrammes(c,
                changes.stream().map(ConsentChange::programmeId).collect(java.util.stream.Collectors.toSet()));
        for (ConsentChange change : changes) {
            ConsentRow consent = new ConsentRow(change.consentId(), change.accountId(), change.programmeId(),
                    change.purposes(), change.scope(), change.accessModes(), change.validity(),
                    change.programmeVersion());
            for (Permit permit : permits.getOrDefault(change.programmeId(), List.of())) {
                if (concerns(permit, consent, change.type().erasureRequested(), change.at())) {
                    events.add(write(c, permit, change.type(), change.logIndex(), change.at(),
                            List.of(new Subject(change.accountId(), change.consentId()))));
                }
            }
        }
        return events;
    }

    /**
     * A link was removed: every consent not withdrawn that named it concerns the permits that could still read
     * under it, one event per permit.
     */
    public static List<UUID> linkRemoved(Connection c, UUID linkId, long logIndex, Instant at) throws SQLException {
        List<UUID> consentIds = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                select cl.consent_id from consent_link cl
                  join lateral (select s.status from consent_status s where s.consent_id = cl.consent_id
                                 order by s.seq desc limit 1) latest on true
                 where cl.link_id = ? and latest.status <> 'withdrawn'
                 order by cl.consent_id
                """)) {
            ps.setObject(1, linkId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    consentIds.add(Sql.uuid(rs, "consent_id"));
                }
            }
        }
        Map<UUID, Permit> permits = new LinkedHashMap<>();
        Map<UUID, List<Subject>> subjects = new LinkedHashMap<>();
        for (UUID consentId : consentIds) {
            ConsentRow consent = consent(c, consentId);
            for (Permit permit : Permits.ofProgramme(c, consent.programmeId())) {
                if (concerns(permit, consent, false, at)) {
                    permits.put(permit.id(), permit);
                    subjects.computeIfAbsent(permit.id(), k -> new ArrayList<>())
                            .add(new Subject(consent.accountId(), consentId));
                }
            }
        }
        List<UUID> events = new ArrayList<>();
        for (Map.Entry<UUID, Permit> permit : permits.entrySet()) {
            events.add(write(c, permit.getValue(), NotificationType.LINK_REMOVED, logIndex, at,
                    subjects.get(permit.getKey())));
        }
        return events;
    }

    /**
     * A permit ended: revoked (with the revocation's log index) or expired (none). The subjects are its whole
     * cohort as the release policy saw it at {@code cohortAt}, the last moment the permit could read.
     */
    public static UUID permitEnded(Connection c, Permit permit, NotificationType type, Long logIndex, Instant at,
                                   Instant cohortAt) throws SQLException {
        List<Subject> subjects = Cohorts.wholeCohort(c, permit, cohortAt).stream()
                .map(g -> new Subject(g.accountId(), g.consentId())).toList();
        return write(c, permit, type, logIndex, at, subjects);
    }

    /**
     * A person asked for erasure after withdrawing (a {@code consent.ErasureRequest}, signed at log index
     * {@code logIndex}): one event per permit that read under the consent, on the connection of the batch that
     * signs the request. Wired as the {@code consent.ErasureRequested} (the operator's configuration passes the
     * request's fields, so this package does not depend on the consent package, which depends on it).
     */
    public static List<UUID> erasureRequested(Connection c, UUID accountId, UUID consentId, List<UUID> permitIds,
                                              long logIndex, Instant at) throws SQLException {
        List<UUID> events = new ArrayList<>();
        for (UUID permitId : permitIds) {
            Permit permit = Permits.find(c, permitId).orElse(null);
            if (permit != null) {
                events.add(write(c, permit, NotificationType.ERASURE_REQUESTED, logIndex, at,
                        List.of(new Subject(accountId, consentId))));
            }
        }
        return events;
    }

    private static boolean concerns(Permit permit, ConsentRow consent, boolean erasure, Instant at) {
        PermitTerms terms = PermitTerms.of(permit);
        if (permit.validFrom().isAfter(at)) {
            return false;
        }
        if (!erasure && ReleasePolicy.whyNotUsable(terms, at).isPresent()) {
            return false;
        }
        ConsentGrant asActive = new ConsentGrant(consent.id(), consent.accountId(), consent.purposes(),
                consent.scope(), consent.accessModes(), consent.programmeVersion(),
                new Standing(ConsentStatus.ACTIVE, consent.validity(), true));
        for (String type : permit.scope().resourceTypes()) {
            if (ReleasePolicy.whyNotReliable(asActive, terms, type, at).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private static UUID write(Connection c, Permit permit, NotificationType type, Long logIndex, Instant at,
                              List<Subject> subjects) throws SQLException {
        UUID eventId = UUID.randomUUID();
        PermitPseudonyms pseudonyms = Permits.pseudonyms(c, permit.id());
        TreeSet<String> names = new TreeSet<>();
        for (Subject subject : subjects) {
            names.add(pseudonyms.person(subject.accountId()));
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("event_id", eventId.toString());
        payload.put("type", type.wire());
        payload.put("permit_id", permit.id().toString());
        payload.put("occurred_at", at.getEpochSecond());
        if (logIndex != null) {
            payload.put("log_index", logIndex);
        }
        payload.put("subject_pseudonyms", List.copyOf(names));
        payload.put("erasure_requested", type.erasureRequested());
        try (PreparedStatement ps = c.prepareStatement("insert into notification_event (id, permit_id, type, "
                + "occurred_at, log_index, erasure_requested, payload, created_at) values (?,?,?,?,?,?,?,?)")) {
            ps.setObject(1, eventId);
            ps.setObject(2, permit.id());
            ps.setString(3, type.wire());
            ps.setTimestamp(4, Sql.timestamp(at));
            ps.setObject(5, logIndex, java.sql.Types.BIGINT);
            ps.setBoolean(6, type.erasureRequested());
            ps.setString(7, Json.write(payload));
            ps.setTimestamp(8, Sql.timestamp(at));
            ps.executeUpdate();
        }
        if (!subjects.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("insert into notification_subject (event_id, consent_id, "
                    + "account_id, pseudonym) values (?,?,?,?) on conflict do nothing")) {
                for (Subject subject : subjects) {
                    ps.setObject(1, eventId);
                    ps.setObject(2, subject.consentId());
                    ps.setObject(3, subject.accountId());
                    ps.setString(4, pseudonyms.person(subject.accountId()));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        List<UUID> webhooks = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "select id from webhook where permit_id = ? and deleted_at is null order by created_at, id")) {
            ps.setObject(1, permit.id());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    webhooks.add(Sql.uuid(rs, "id"));
                }
            }
        }
        if (!webhooks.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("insert into webhook_delivery (id, event_id, webhook_id, "
                    + "state, next_attempt_at, created_at) values (?,?,?,'pending',?,?)")) {
                for (UUID webhook : webhooks) {
                    ps.setObject(1, UUID.randomUUID());
                    ps.setObject(2, eventId);
                    ps.setObject(3, webhook);
                    ps.setTimestamp(4, Sql.timestamp(at));
                    ps.setTimestamp(5, Sql.timestamp(at));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        return eventId;
    }

    private record ConsentRow(UUID id, UUID accountId, UUID programmeId, List<Purpose> purposes, DataScope scope,
                              List<org.mydata.operator.verify.release.AccessMode> accessModes, Validity validity,
                              int programmeVersion) {
    }

    private static ConsentRow consent(Connection c, UUID consentId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select account_id, programme_id, purposes, scope, "
                + "access_modes, valid_from, valid_until, programme_version from consent where id = ?")) {
            ps.setObject(1, consentId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("consent " + consentId + " vanished inside its own transaction");
                }
                return new ConsentRow(consentId, Sql.uuid(rs, "account_id"), Sql.uuid(rs, "programme_id"),
                        Sql.strings(rs, "purposes").stream().map(p -> Purpose.fromCode(p).orElseThrow()).toList(),
                        DataScope.fromJson(Json.read(rs.getString("scope"))), Sql.accessModes(rs, "access_modes"),
                        new Validity(Sql.instant(rs, "valid_from"), Sql.instant(rs, "valid_until")),
                        ConsentGrant.version(rs.getObject("programme_version", Integer.class)));
            }
        }
    }
}
