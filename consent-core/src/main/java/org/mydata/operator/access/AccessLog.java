package org.mydata.operator.access;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/** Durable records of data released through the gateway, and each person's view of them. */
public final class AccessLog {
    private final Transactions tx;

    public AccessLog(Transactions tx) {
        this.tx = tx;
    }

    /** Writes the event and commits it; only after this returns may the data be released. */
    public void record(AccessEvent event) {
        tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into access_event (id, permit_id, client, interaction, "
                    + "resource_types, resource_count, person_count, consent_ids, created_at) values (?,?,?,?,?,?,?,?,?)")) {
                ps.setObject(1, event.id());
                ps.setObject(2, event.permitId());
                ps.setString(3, event.client());
                ps.setString(4, event.interaction());
                ps.setArray(5, Sql.textArray(c, event.resourceTypes()));
                ps.setInt(6, event.resourceCount());
                ps.setInt(7, event.personCount());
                ps.setArray(8, c.createArrayOf("uuid", event.consentIds().toArray()));
                ps.setTimestamp(9, Sql.timestamp(event.at()));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("insert into access_event_person (event_id, account_id, "
                    + "consent_id, resource_count) values (?,?,?,?) on conflict (event_id, account_id, consent_id) "
                    + "do nothing")) {
                for (PersonAccess person : event.persons()) {
                    ps.setObject(1, event.id());
                    ps.setObject(2, person.accountId());
                    ps.setObject(3, person.consentId());
                    ps.setInt(4, person.resourceCount());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /** Every access that touched the person's data, newest first. */
    public List<CitizenAccess> ofAccount(UUID accountId) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    select e.id, e.permit_id, p.request_id, r.title, p.organisation, r.purpose, ep.consent_id,
                           e.resource_types, ep.resource_count, e.created_at
                      from access_event_person ep
                      join access_event e on e.id = ep.event_id
                      join permit p on p.id = e.permit_id
                      join data_request r on r.id = p.request_id
                     where ep.account_id = ?
                     order by e.created_at desc, e.id
                    """)) {
                ps.setObject(1, accountId);
                try (ResultSet rs = ps.executeQuery()) {
                    List<CitizenAccess> result = new ArrayList<>();
                    while (rs.next()) {
                        result.add(new CitizenAccess(Sql.uuid(rs, "id"), Sql.uuid(rs, "permit_id"),
                                Sql.uuid(rs, "request_id"), rs.getString("title"), rs.getString("organisation"),
                                rs.getString("purpose"), Sql.uuid(rs, "consent_id"), Sql.strings(rs, "resource_types"),
                                rs.getInt("resource_count"), Sql.instant(rs, "created_at")));
                    }
                    return result;
                }
            }
        });
    }
}
