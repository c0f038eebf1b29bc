package org.mydata.operator.programme;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.failure.Require;
import org.mydata.operator.json.Json;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.LegalBasis;
import org.mydata.operator.source.SourceRegistry;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/** The catalogue of data-donor programmes. */
public final class ProgrammeRegistry {
    private final Transactions tx;
    private final Clock clock;

    public ProgrammeRegistry(Transactions tx, Clock clock) {
        this.tx = tx;
        this.clock = clock;
    }

    public Programme create(NewProgramme request) {
        List<Purpose> purposes = new ArrayList<>();
        for (String code : Require.nonEmpty("purposes", request.purposes())) {
            purposes.add(Purpose.fromCode(code).orElseThrow(() -> new InvalidRequestException("purposes",
                    "'" + code + "' is not a purpose the operator knows (DPV terms such as dpv:ScientificResearch)")));
        }
        if (request.scope() == null) {
            throw new InvalidRequestException("scope", "scope is required");
        }
        List<String> stewards = Require.nonEmpty("stewards", request.stewards()).stream()
                .map(s -> Require.text("stewards", s, 200)).distinct().toList();
        List<Promise> promises = new ArrayList<>();
        for (String code : request.promises() == null ? List.<String>of() : request.promises()) {
            Promise promise = Promise.fromCode(code).orElseThrow(() -> new InvalidRequestException("promises",
                    "'" + code + "' is not a promise the operator knows (non-commercial, results-published, "
                            + "stays-in-eea)"));
            if (!promises.contains(promise)) {
                promises.add(promise);
            }
        }
        LegalBasis basis = request.legalBasis() == null ? LegalBasis.CONSENT
                : LegalBasis.fromWire(request.legalBasis()).orElseThrow(() -> new InvalidRequestException(
                "legalBasis", "'" + request.legalBasis() + "' is none of consent, ehds-secondary-use, public-interest"));
        List<UUID> sourceIds = request.sourceIds() == null ? List.of()
                : request.sourceIds().stream().distinct().toList();
        if (basis.isOptOut() && sourceIds.isEmpty()) {
            throw new InvalidRequestException("sourceIds", "a programme on an opt-out basis names the sources whose "
                    + "linked persons it includes");
        }
        if (!basis.isOptOut() && !sourceIds.isEmpty()) {
            throw new InvalidRequestException("sourceIds", "a programme resting on consent reads the sources each "
                    + "person's consent names; it declares none");
        }
        List<AccessMode> accessModes = request.accessModes() == null ? Programme.ALL_MODES
                : Require.accessModes("accessModes", request.accessModes());
        Map<Language, ProgrammeTexts> texts = texts(request);
        ProgrammeTexts first = texts.values().iterator().next();
        Programme programme = new Programme(UUID.randomUUID(), first.name(), first.description(), first.organisation(),
                purposes.stream().distinct().toList(),
                request.scope().validated("scope"),
                Require.linkUri("termsUri", request.termsUri()),
                Require.text("termsVersion", request.termsVersion(), 50),
                stewards,
                Instant.now(clock),
                promises, basis, sourceIds, accessModes, request.disclosure(), texts);
        tx.inTransaction(c -> {
            for (UUID sourceId : sourceIds) {
                if (SourceRegistry.find(c, sourceId).isEmpty()) {
                    throw new InvalidRequestException("sourceIds", "there is no source " + sourceId);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("insert into programme (" + TERMS_COLUMNS + ", id, "
                    + "created_at, legal_basis, source_ids, minimum_cell_size, dominance_share, answers_per_day, "
                    + "records_k) values (" + TERMS_PARAMETERS + ",?,?,?,?,?,?,?,?)")) {
                int next = bindTerms(c, ps, ProgrammeTerms.of(programme));
                ps.setObject(next++, programme.id());
                ps.setTimestamp(next++, Sql.timestamp(programme.createdAt()));
                ps.setString(next++, programme.legalBasis().wire());
                ps.setArray(next++, c.createArrayOf("uuid", programme.sourceIds().toArray()));
                DisclosureSettings disclosure = programme.disclosure();
                ps.setInt(next++, disclosure.minimumCellSize());
                ps.setDouble(next++, disclosure.dominanceShare());
                ps.setInt(next++, disclosure.answersPerDay());
                ps.setInt(next, disclosure.recordsK());
                ps.executeUpdate();
            }
            return null;
        });
        return programme;
    }

    /** The programme columns its terms fill, which creating a programme and amending it both write. */
    static final String TERMS_COLUMNS = "name, description, organisation, purposes, scope, terms_uri, terms_version, "
            + "stewards, promises, access_modes, texts";
    /** The parameters of {@link #TERMS_COLUMNS}, in their order. */
    static final String TERMS_PARAMETERS = "?,?,?,?,?::jsonb,?,?,?,?,?,?::jsonb";

    /**
     * Binds the terms to the first parameters of a statement, as {@link #TERMS_COLUMNS} names them: the name,
     * description and organisation of the terms' first language, the rest as the row keeps them.
     *
     * @return the next parameter's index
     */
    static int bindTerms(Connection c, PreparedStatement ps, ProgrammeTerms t) throws SQLException {
        ProgrammeTexts first = t.texts().values().iterator().next();
        ps.setString(1, first.name());
        ps.setString(2, first.description());
        ps.setString(3, first.organisation());
        ps.setArray(4, Sql.textArray(c, t.purposes().stream().map(Purpose::code).toList()));
        ps.setString(5, Json.write(t.scope().toJson()));
        ps.setString(6, t.termsUri().toString());
        ps.setString(7, t.termsVersion());
        ps.setArray(8, Sql.textArray(c, t.stewards()));
        ps.setArray(9, Sql.textArray(c, t.promises().stream().map(Promise::code).toList()));
        ps.setArray(10, Sql.textArray(c, t.accessModes().stream().map(AccessMode::wireName).toList()));
        Map<String, Object> texts = new LinkedHashMap<>();
        t.texts().forEach((language, words) -> texts.put(language.tag(), words.toJson()));
        ps.setString(11, Json.write(texts));
        return 12;
    }

    /**
     * The programme's texts by language, English first, then Finnish, then Swedish: the request's English fields
     * and its {@code texts}. Every language it offers has all three texts; one language at least.
     */
    private static Map<Language, ProgrammeTexts> texts(NewProgramme request) {
        Map<Language, ProgrammeTexts> texts = request.texts() == null ? new EnumMap<>(Language.class)
                : requestedTexts(request.texts());
        if (request.name() != null || request.description() != null || request.organisation() != null
                || texts.isEmpty()) {
            ProgrammeTexts english = new ProgrammeTexts(Require.text("name", request.name(), 200),
                    Require.text("description", request.description(), 4000),
                    Require.text("organisation", request.organisation(), 200));
            ProgrammeTexts given = texts.putIfAbsent(Language.EN, english);
            if (given != null && !given.equals(english)) {
                throw new InvalidRequestException("texts.en", "texts.en differs from name, description and "
                        + "organisation, which are the English texts: give them once");
            }
        }
        Map<Language, ProgrammeTexts> ordered = new LinkedHashMap<>();
        texts.keySet().stream().sorted(Comparator.naturalOrder()).forEach(l -> ordered.put(l, texts.get(l)));
        return ordered;
    }

    public List<Programme> list() {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("select * from programme order by created_at, id");
                 ResultSet rs = ps.executeQuery()) {
                List<Programme> result = new ArrayList<>();
                while (rs.next()) {
                    result.add(map(rs));
                }
                return result;
            }
        });
    }

    public Programme get(UUID id) {
        return tx.read(c -> find(c, id)).orElseThrow(() -> new NotFoundException("no programme " + id));
    }

    public Optional<Programme> findByName(String name) {
        return list().stream().filter(p -> p.name().equals(name)).findFirst();
    }

    public static Optional<Programme> find(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select * from programme where id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    private static Programme map(ResultSet rs) throws SQLException {
        return new Programme(Sql.uuid(rs, "id"), rs.getString("name"), rs.getString("description"),
                rs.getString("organisation"),
                Sql.strings(rs, "purposes").stream().map(code -> Purpose.fromCode(code).orElseThrow()).toList(),
                DataScope.fromJson(Json.read(rs.getString("scope"))), URI.create(rs.getString("terms_uri")),
                rs.getString("terms_version"), Sql.strings(rs, "stewards"), Sql.instant(rs, "created_at"),
                Sql.strings(rs, "promises").stream().map(code -> Promise.fromCode(code).orElseThrow()).toList(),
                LegalBasis.fromWire(rs.getString("legal_basis")).orElseThrow(), Sql.uuids(rs, "source_ids"),
                Sql.accessModes(rs, "access_modes"),
                new DisclosureSettings(rs.getInt("minimum_cell_size"), rs.getDouble("dominance_share"),
                        rs.getInt("answers_per_day"), rs.getInt("records_k")),
                texts(rs.getString("texts")));
    }

    /** Null for a programme registered before programmes held translations: it offers English alone. */
    /**
     * A request's texts by language tag (a new programme's or an amendment's), checked: each tag one the operator
     * writes in, each language with all three texts.
     */
    static Map<Language, ProgrammeTexts> requestedTexts(Map<String, ProgrammeTexts> requested) {
        Map<Language, ProgrammeTexts> texts = new EnumMap<>(Language.class);
        for (Map.Entry<String, ProgrammeTexts> entry : requested.entrySet()) {
            String field = "texts." + entry.getKey();
            Language language = Language.fromTag(entry.getKey()).filter(l -> l.tag().equals(entry.getKey()))
                    .orElseThrow(() -> new InvalidRequestException(field, "'" + entry.getKey()
                            + "' is not a language the operator writes its texts in (en, fi, sv)"));
            ProgrammeTexts words = entry.getValue();
            if (words == null) {
                throw new InvalidRequestException(field, field + " needs a name, a description and an organisation");
            }
            texts.put(language, new ProgrammeTexts(Require.text(field + ".name", words.name(), 200),
                    Require.text(field + ".description", words.description(), 4000),
                    Require.text(field + ".organisation", words.organisation(), 200)));
        }
        return texts;
    }

    private static Map<Language, ProgrammeTexts> texts(String json) {
        if (json == null) {
            return null;
        }
        Map<Language, ProgrammeTexts> texts = new EnumMap<>(Language.class);
        Json.read(json).forEach((tag, words) -> Language.fromTag(tag).ifPresent(language -> texts.put(language,
                ProgrammeTexts.fromJson(castMap(words)))));
        return texts;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object json) {
        return (Map<String, Object>) json;
    }
}
