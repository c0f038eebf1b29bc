package org.mydata.operator.source;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.failure.Require;
import org.mydata.operator.json.Json;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * The FHIR sources the operator may read from. Their URLs (and token endpoints) must be hosts the operator
 * may connect to ({@link SourceHosts}); their passwords and client secrets are stored sealed
 * ({@link SourceSecrets}), never in clear.
 */
public final class SourceRegistry {
    private final Transactions tx;
    private final Clock clock;
    private final SourceHosts hosts;
    private final SourceSecrets secrets;

    public SourceRegistry(Transactions tx, Clock clock, SourceHosts hosts, SourceSecrets secrets) {
        this.tx = tx;
        this.clock = clock;
        this.hosts = hosts;
        this.secrets = secrets;
    }

    /** Whether the database holds any sealed secret: then the key must not be made anew. */
    public static boolean holdsSealedSecrets(Transactions tx) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("select exists (select 1 from fhir_source "
                    + "where auth ?? 'password_sealed' or auth ?? 'client_secret_sealed')");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        });
    }

    /**
     * Seals the secrets that are still stored in clear (written before secrets were sealed), and, after a key
     * rotation, seals every secret again under the new primary key. Returns how many sources it rewrote.
     */
    public int sealStoredSecrets() {
        return tx.inTransaction(c -> {
            List<UUID> toSeal = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select id, auth from fhir_source where auth_type <> 'none' "
                    + "for update"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> a = Json.read(rs.getString("auth"));
                    if (secrets.rotated() || a.containsKey("password") || a.containsKey("client_secret")) {
                        toSeal.add(Sql.uuid(rs, "id"));
                    }
                }
            }
            for (UUID id : toSeal) {
                FhirSource source = load(c, id, secrets).orElseThrow();
                try (PreparedStatement ps = c.prepareStatement("update fhir_source set auth = ?::jsonb where id = ?")) {
                    ps.setString(1, Json.write(authJson(source.id(), source.auth())));
                    ps.setObject(2, id);
                    ps.executeUpdate();
                }
            }
            return toSeal.size();
        });
    }

    public FhirSource register(NewSource request) {
        String name = Require.text("name", request.name(), 200);
        URI base = Require.absoluteUri("fhirBaseUrl", request.fhirBaseUrl(), true);
        hosts.check("fhirBaseUrl", base);
        SourceAuth auth = request.auth() == null ? new SourceAuth.None() : request.auth();
        if (auth instanceof SourceAuth.ClientCredentials cc) {
            hosts.check("auth.tokenUrl", cc.tokenUrl());
        }
        FhirSource source = new FhirSource(UUID.randomUUID(), name, stripTrailingSlash(base), auth, Instant.now(clock));
        tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into fhir_source (id, name, fhir_base_url, auth_type, auth, "
                    + "created_at) values (?,?,?,?,?::jsonb,?)")) {
                ps.setObject(1, source.id());
                ps.setString(2, source.name());
                ps.setString(3, source.fhirBaseUrl().toString());
                ps.setString(4, auth.type());
                ps.setString(5, Json.write(authJson(source.id(), auth)));
                ps.setTimestamp(6, Sql.timestamp(source.createdAt()));
                ps.executeUpdate();
            }
            return null;
        });
        return source;
    }

    /** Points a source at a new base URL, e.g. when the embedded demo source comes up on another port. */
    public void moveTo(UUID id, String fhirBaseUrl) {
        URI base = stripTrailingSlash(Require.absoluteUri("fhirBaseUrl", fhirBaseUrl, true));
        tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("update fhir_source set fhir_base_url = ? where id = ?")) {
                ps.setString(1, base.toString());
                ps.setObject(2, id);
                if (ps.executeUpdate() == 0) {
                    throw new NotFoundException("no source " + id);
                }
            }
            return null;
        });
    }

    public List<FhirSource> list() {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("select * from fhir_source order by created_at, id");
                 ResultSet rs = ps.executeQuery()) {
                List<FhirSource> result = new ArrayList<>();
                while (rs.next()) {
                    result.add(map(rs, secrets));
                }
                return result;
            }
        });
    }

    public FhirSource get(UUID id) {
        return tx.read(c -> load(c, id, secrets)).orElseThrow(() -> new NotFoundException("no source " + id));
    }

    /**
     * The source as a text shows it, by name and URL, without opening its credentials (its auth reads as
     * {@link SourceAuth.None}): for describing a source, never for connecting to it; {@link #get} is for that.
     */
    public static Optional<FhirSource> find(Connection c, UUID id) throws SQLException {
        return load(c, id, null);
    }

    private static Optional<FhirSource> load(Connection c, UUID id, SourceSecrets secrets) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select * from fhir_source where id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs, secrets)) : Optional.empty();
            }
        }
    }

    private static URI stripTrailingSlash(URI uri) {
        String s = uri.toString();
        return s.endsWith("/") ? URI.create(s.substring(0, s.length() - 1)) : uri;
    }

    private Map<String, Object> authJson(UUID sourceId, SourceAuth auth) {
        Map<String, Object> json = new LinkedHashMap<>();
        if (auth instanceof SourceAuth.Basic basic) {
            json.put("username", basic.username());
            json.put("password_sealed", secrets.seal(basic.password(), sourceId, "password"));
        } else if (auth instanceof SourceAuth.ClientCredentials cc) {
            json.put("token_url", cc.tokenUrl().toString());
            json.put("client_id", cc.clientId());
            json.put("client_secret_sealed", secrets.seal(cc.clientSecret(), sourceId, "client_secret"));
            if (cc.scope() != null) {
                json.put("scope", cc.scope());
            }
        }
        return json;
    }

    private static FhirSource map(ResultSet rs, SourceSecrets secrets) throws SQLException {
        Map<String, Object> a = Json.read(rs.getString("auth"));
        UUID id = Sql.uuid(rs, "id");
        SourceAuth auth = secrets == null ? new SourceAuth.None() : switch (rs.getString("auth_type")) {
            case "basic" -> new SourceAuth.Basic((String) a.get("username"), secret(a, "password", id, secrets));
            case "client_credentials" -> new SourceAuth.ClientCredentials(URI.create((String) a.get("token_url")),
                    (String) a.get("client_id"), secret(a, "client_secret", id, secrets), (String) a.get("scope"));
            default -> new SourceAuth.None();
        };
        return new FhirSource(id, rs.getString("name"), URI.create(rs.getString("fhir_base_url")), auth,
                Sql.instant(rs, "created_at"));
    }

    /** A sealed secret opened; one stored in clear before secrets were sealed is read as it is, until sealed. */
    private static String secret(Map<String, Object> auth, String field, UUID sourceId, SourceSecrets secrets) {
        if (auth.get(field + "_sealed") instanceof String sealed) {
            return secrets.open(sealed, sourceId, field);
        }
        return (String) auth.get(field);
    }

    /** Builds the auth of a registration request from its parts, checking each. */
    public static SourceAuth auth(String type, String username, String password, String tokenUrl, String clientId,
                                  String clientSecret, String scope) {
        if (type == null || type.equals("none")) {
            return new SourceAuth.None();
        }
        return switch (type) {
            case "basic" -> new SourceAuth.Basic(Require.text("auth.username", username, 200),
                    Require.text("auth.password", password, 500));
            case "client_credentials" -> new SourceAuth.ClientCredentials(
                    Require.absoluteUri("auth.tokenUrl", tokenUrl, true),
                    Require.text("auth.clientId", clientId, 200), Require.text("auth.clientSecret", clientSecret, 500),
                    scope == null || scope.isBlank() ? null : scope.strip());
            default -> throw new InvalidRequestException("auth.type", "auth.type must be none, basic or client_credentials");
        };
    }
}
