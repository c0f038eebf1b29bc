package org.mydata.operator.export;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.json.Json;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * Bulk export jobs in PostgreSQL. Every change a run makes is conditional on that run still owning the job
 * (same owner, same attempt, still running): a run whose job was deleted, or taken over by another node
 * after its own went quiet, learns so from a {@code false} and stops, and never overwrites the new state.
 */
public final class ExportJobs {
    private final Transactions tx;

    public ExportJobs(Transactions tx) {
        this.tx = tx;
    }

    /** Records a new job, running on {@code job.owner()} already. */
    public void create(ExportJob job, Instant now) {
        tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into export_job (id, permit_id, researcher, request, "
                    + "state, progress, owner, heartbeat_at, attempt, created_at, transaction_time) "
                    + "values (?,?,?,?::jsonb,?,?,?,?,?,?,?)")) {
                ps.setObject(1, job.id());
                ps.setObject(2, job.permitId());
                ps.setString(3, job.researcher());
                ps.setString(4, Json.write(job.request().toJson()));
                ps.setString(5, job.state().wire());
                ps.setString(6, job.progress());
                ps.setString(7, job.owner());
                ps.setTimestamp(8, Sql.timestamp(now));
                ps.setString(9, job.attempt());
                ps.setTimestamp(10, Sql.timestamp(job.createdAt()));
                ps.setTimestamp(11, Sql.timestamp(job.transactionTime()));
                return ps.executeUpdate();
            }
        });
    }

    public Optional<ExportJob> find(UUID id) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("select * from export_job where id = ?")) {
                ps.setObject(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(map(rs)) : Optional.<ExportJob>empty();
                }
            }
        });
    }

    /** Every job, for the sweep: there are few, since finished ones are removed after a day. */
    public List<ExportJob> all() {
        return tx.read(c -> {
            List<ExportJob> jobs = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select * from export_job order by created_at");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    jobs.add(map(rs));
                }
            }
            return jobs;
        });
    }

    /** The run's progress, which also says the run is alive; false if the run no longer owns the job. */
    public boolean progress(ExportJob run, String text, Instant now) {
        return owned(run, "progress = ?, heartbeat_at = ?", ps -> {
            ps.setString(1, text);
            ps.setTimestamp(2, Sql.timestamp(now));
        }, 2);
    }

    /** Says that the node still runs each of its jobs; returns how many. */
    public int heartbeat(String owner, Instant now) {
        return tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("update export_job set heartbeat_at = ? "
                    + "where owner = ? and state = 'running'")) {
                ps.setTimestamp(1, Sql.timestamp(now));
                ps.setString(2, owner);
                return ps.executeUpdate();
            }
        });
    }

    public boolean complete(ExportJob run, List<ExportOutput> outputs, Instant at) {
        return complete(run, outputs, Map.of(), at);
    }

    /** @param deidentification what the de-identification generalised and withheld, kept for the manifest */
    public boolean complete(ExportJob run, List<ExportOutput> outputs, Map<String, Object> deidentification,
                            Instant at) {
        List<Map<String, Object>> files = new ArrayList<>();
        for (ExportOutput output : outputs) {
            Map<String, Object> file = new LinkedHashMap<>();
            file.put("type", output.type());
            file.put("count", output.count());
            files.add(file);
        }
        return owned(run, "state = 'completed', progress = 'done', outputs = ?::jsonb, finished_at = ?, owner = null",
                ps -> {
                    ps.setString(1, Json.write(Map.of("files", files, "deidentification", deidentification)));
                    ps.setTimestamp(2, Sql.timestamp(at));
                }, 2);
    }

    public boolean fail(ExportJob run, ExportFailure failure, Instant at) {
        return owned(run, "state = 'failed', progress = 'failed', error_status = ?, error_message = ?, "
                + "finished_at = ?, owner = null", ps -> {
                    ps.setInt(1, failure.status());
                    ps.setString(2, failure.message());
                    ps.setTimestamp(3, Sql.timestamp(at));
                }, 3);
    }

    /**
     * Takes the oldest job that waits for a node (its node let it go) or whose node has gone quiet since
     * {@code quietSince}, for a new run {@code attempt} on {@code owner}; two nodes never take the same job.
     */
    public Optional<ExportJob> claim(String owner, String attempt, Instant now, Instant quietSince) {
        return tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("update export_job set owner = ?, attempt = ?, "
                    + "heartbeat_at = ?, transaction_time = ?, progress = 'taken up again after its server stopped' "
                    + "where id = (select id from export_job where state = 'running' "
                    + "and (owner is null or heartbeat_at < ?) order by created_at limit 1 for update skip locked) "
                    + "returning *")) {
                ps.setString(1, owner);
                ps.setString(2, attempt);
                ps.setTimestamp(3, Sql.timestamp(now));
                ps.setTimestamp(4, Sql.timestamp(now));
                ps.setTimestamp(5, Sql.timestamp(quietSince));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(map(rs)) : Optional.<ExportJob>empty();
                }
            }
        });
    }

    /** Lets go of the node's running jobs, so that another node (or this one, started again) takes them up. */
    public int release(String owner) {
        return tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("update export_job set owner = null, "
                    + "progress = 'waiting for a server (the one running it stopped)' "
                    + "where owner = ? and state = 'running'")) {
                ps.setString(1, owner);
                return ps.executeUpdate();
            }
        });
    }

    /** Deletes the job; false if it was gone already. */
    public boolean delete(UUID id) {
        return tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("delete from export_job where id = ?")) {
                ps.setObject(1, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    private interface Setter {
        void set(PreparedStatement ps) throws SQLException;
    }

    private boolean owned(ExportJob run, String assignments, Setter values, int valueCount) {
        return tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("update export_job set " + assignments
                    + " where id = ? and owner = ? and attempt = ? and state = 'running'")) {
                values.set(ps);
                ps.setObject(valueCount + 1, run.id());
                ps.setString(valueCount + 2, run.owner());
                ps.setString(valueCount + 3, run.attempt());
                return ps.executeUpdate() == 1;
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static ExportJob map(ResultSet rs) throws SQLException {
        List<ExportOutput> outputs = new ArrayList<>();
        String files = rs.getString("outputs");
        Map<String, Object> deidentification = null;
        if (files != null) {
            deidentification = (Map<String, Object>) Json.read(files).get("deidentification");
            for (Object file : (List<Object>) Json.read(files).get("files")) {
                Map<String, Object> f = (Map<String, Object>) file;
                outputs.add(new ExportOutput((String) f.get("type"), ((Number) f.get("count")).longValue()));
            }
        }
        int status = rs.getInt("error_status");
        ExportFailure failure = rs.wasNull() ? null : new ExportFailure(status, rs.getString("error_message"));
        return new ExportJob(Sql.uuid(rs, "id"), Sql.uuid(rs, "permit_id"), rs.getString("researcher"),
                ExportRequest.fromJson(Json.read(rs.getString("request"))), ExportState.fromWire(rs.getString("state")),
                rs.getString("progress"), rs.getString("owner"), rs.getString("attempt"), outputs, failure,
                Sql.instant(rs, "created_at"), Sql.instant(rs, "transaction_time"), Sql.instant(rs, "finished_at"),
                deidentification);
    }
}
