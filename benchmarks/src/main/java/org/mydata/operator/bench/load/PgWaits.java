package org.mydata.operator.bench.load;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Samples what PostgreSQL's backends are doing (pg_stat_activity) every 20 ms while a scenario is measured:
 * running on CPU, waiting for a row lock held by another transaction, for the client, for I/O. That is
 * the database side of a profile, which JFR on the operator cannot see.
 */
final class PgWaits {
    private final String url;
    private final String database;
    private final Map<String, Integer> counts = new HashMap<>();
    private volatile boolean running;
    private Thread thread;
    private int samples;

    PgWaits(String url, String database) {
        this.url = url;
        this.database = database;
    }

    void start() {
        running = true;
        thread = new Thread(() -> {
            try (Connection c = DriverManager.getConnection(url, "postgres", "");
                 Statement s = c.createStatement()) {
                while (running) {
                    try (ResultSet rs = s.executeQuery("select state, coalesce(wait_event_type, 'CPU'), "
                            + "coalesce(wait_event, '-') from pg_stat_activity where datname = '" + database
                            + "' and pid <> pg_backend_pid() and backend_type = 'client backend'")) {
                        synchronized (counts) {
                            samples++;
                            while (rs.next()) {
                                String state = rs.getString(1);
                                String key = "idle".equals(state) ? "idle (between transactions)"
                                        : "idle in transaction".equals(state) ? "idle in transaction (waiting for the client)"
                                        : rs.getString(2) + ":" + rs.getString(3);
                                counts.merge(key, 1, Integer::sum);
                            }
                        }
                    }
                    Thread.sleep(20);
                }
            } catch (SQLException e) {
                Progress.say("pg_stat_activity sampling failed: %s", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "pg-waits");
        thread.setDaemon(true);
        thread.start();
    }

    /** Average number of backends in each state over the samples, most first. */
    String stop() {
        running = false;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (counts) {
            int n = Math.max(1, samples);
            return counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                    .limit(6)
                    .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue() / (double) n))
                    .collect(Collectors.joining(", "));
        }
    }
}
