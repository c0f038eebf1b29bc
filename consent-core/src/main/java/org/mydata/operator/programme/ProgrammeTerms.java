package org.mydata.operator.programme;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.json.Json;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.LegalBasis;

/**
 * One version of a programme's terms: everything a person agrees to when they consent to it (purposes, data kinds
 * and period, access modes, promises, stewards, the policy document and its version, the legal basis and the
 * programme's own words in each language it offers). An amendment turns one version into the next
 * ({@link Amendments}); a consent is bound to the version its person signed, by number and by {@link #sha256()}.
 */
public record ProgrammeTerms(List<Purpose> purposes, DataScope scope, List<AccessMode> accessModes,
                             List<Promise> promises, List<String> stewards, URI termsUri, String termsVersion,
                             LegalBasis legalBasis, Map<Language, ProgrammeTexts> texts) {
    public ProgrammeTerms {
        purposes = List.copyOf(purposes);
        Objects.requireNonNull(scope, "scope");
        accessModes = List.copyOf(accessModes);
        promises = List.copyOf(promises);
        stewards = List.copyOf(stewards);
        Objects.requireNonNull(termsUri, "termsUri");
        Objects.requireNonNull(termsVersion, "termsVersion");
        Objects.requireNonNull(legalBasis, "legalBasis");
        Map<Language, ProgrammeTexts> ordered = new LinkedHashMap<>();
        new EnumMap<>(texts).forEach(ordered::put);
        texts = Collections.unmodifiableMap(ordered);
    }

    /** The terms a programme states now. */
    public static ProgrammeTerms of(Programme p) {
        return new ProgrammeTerms(p.purposes(), p.scope(), p.accessModes(), p.promises(), p.stewards(), p.termsUri(),
                p.termsVersion(), p.legalBasis(), p.texts());
    }

    /** The programme under these terms: its id, creation, sources and disclosure settings stay. */
    public Programme applyTo(Programme p) {
        ProgrammeTexts first = texts.values().iterator().next();
        return new Programme(p.id(), first.name(), first.description(), first.organisation(), purposes, scope,
                termsUri, termsVersion, stewards, p.createdAt(), promises, legalBasis, p.sourceIds(), accessModes,
                p.disclosure(), texts);
    }

    /** The terms as the amendment record signs them: fixed key order, so equal terms have equal JSON. */
    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("purposes", purposes.stream().map(Purpose::code).toList());
        json.put("scope", scope.toJson());
        json.put("access_modes", accessModes.stream().map(AccessMode::wireName).toList());
        json.put("promises", promises.stream().map(Promise::code).toList());
        json.put("stewards", stewards);
        json.put("terms_uri", termsUri.toString());
        json.put("terms_version", termsVersion);
        json.put("legal_basis", legalBasis.wire());
        Map<String, Object> words = new LinkedHashMap<>();
        texts.forEach((language, t) -> words.put(language.tag(), t.toJson()));
        json.put("texts", words);
        return json;
    }

    @SuppressWarnings("unchecked")
    static ProgrammeTerms fromJson(Map<String, Object> json) {
        Map<Language, ProgrammeTexts> texts = new EnumMap<>(Language.class);
        ((Map<String, Object>) json.get("texts")).forEach((tag, t) -> Language.fromTag(tag)
                .ifPresent(l -> texts.put(l, ProgrammeTexts.fromJson((Map<String, Object>) t))));
        List<AccessMode> modes = new ArrayList<>();
        for (String mode : (List<String>) json.get("access_modes")) {
            AccessMode.fromWireName(mode).ifPresent(modes::add);
        }
        return new ProgrammeTerms(
                ((List<String>) json.get("purposes")).stream().map(p -> Purpose.fromCode(p).orElseThrow()).toList(),
                DataScope.fromJson((Map<String, Object>) json.get("scope")), modes,
                ((List<String>) json.get("promises")).stream().map(p -> Promise.fromCode(p).orElseThrow()).toList(),
                (List<String>) json.get("stewards"), URI.create((String) json.get("terms_uri")),
                (String) json.get("terms_version"),
                LegalBasis.fromWire((String) json.get("legal_basis")).orElseThrow(), texts);
    }

    /** SHA-256 (base64url) of {@link #toJson()} as written: what a consent and an amendment record name. */
    public String sha256() {
        return RecordHash.sha256(Json.write(toJson()));
    }
}
