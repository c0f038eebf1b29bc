package org.mydata.operator.programme;

import java.net.URI;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.LegalBasis;

/**
 * A data-donor programme: who runs it, for what, which data, on which terms, who decides its requests, what
 * it promises its donors, and the legal basis it rests on. Under {@link LegalBasis#CONSENT} persons join by
 * consenting, through the links they choose; under an opt-out basis everyone linked at {@code sourceIds} is
 * included unless they opt out.
 *
 * @param sourceIds the sources an opt-out programme reads; empty for a consent programme (the person's consent
 *                  names its sources)
 * @param accessModes how its researchers may receive data ({@link AccessMode}): a data request asks for one of
 *                    these, a consent allows some of them; both when not given (every programme before access modes)
 * @param disclosure  its disclosure-control settings; {@link DisclosureSettings#DEFAULTS} when not given
 * @param texts     its name, description and organisation in each language it offers, in the order offered;
 *                  {@code name}, {@code description} and {@code organisation} are those of its first language.
 *                  A programme registered without translations offers English alone.
 */
public record Programme(UUID id, String name, String description, String organisation, List<Purpose> purposes,
                        DataScope scope, URI termsUri, String termsVersion, List<String> stewards, Instant createdAt,
                        List<Promise> promises, LegalBasis legalBasis, List<UUID> sourceIds,
                        List<AccessMode> accessModes, DisclosureSettings disclosure,
                        Map<Language, ProgrammeTexts> texts) {
    /** What a programme offers that declares no modes: both, as every programme did before access modes. */
    public static final List<AccessMode> ALL_MODES = List.of(AccessMode.values());

    public Programme {
        Objects.requireNonNull(id, "id");
        texts = texts == null || texts.isEmpty()
                ? Map.of(Language.EN, new ProgrammeTexts(name, description, organisation))
                : Collections.unmodifiableMap(new LinkedHashMap<>(texts));
        purposes = List.copyOf(purposes);
        stewards = List.copyOf(stewards);
        promises = promises == null ? List.of() : List.copyOf(promises);
        legalBasis = legalBasis == null ? LegalBasis.CONSENT : legalBasis;
        sourceIds = sourceIds == null ? List.of() : List.copyOf(sourceIds);
        accessModes = accessModes == null || accessModes.isEmpty() ? ALL_MODES
                : java.util.Arrays.stream(AccessMode.values()).filter(accessModes::contains).toList();
        disclosure = disclosure == null ? DisclosureSettings.DEFAULTS : disclosure;
    }

    /**
     * A programme offering its registered texts in English alone, and both access modes under the default
     * settings.
     */
    public Programme(UUID id, String name, String description, String organisation, List<Purpose> purposes,
                     DataScope scope, URI termsUri, String termsVersion, List<String> stewards, Instant createdAt,
                     List<Promise> promises, LegalBasis legalBasis, List<UUID> sourceIds) {
        this(id, name, description, organisation, purposes, scope, termsUri, termsVersion, stewards, createdAt,
                promises, legalBasis, sourceIds, null, null, null);
    }

    /** A programme resting on consent that declares no promises. */
    public Programme(UUID id, String name, String description, String organisation, List<Purpose> purposes,
                     DataScope scope, URI termsUri, String termsVersion, List<String> stewards, Instant createdAt) {
        this(id, name, description, organisation, purposes, scope, termsUri, termsVersion, stewards, createdAt,
                List.of(), LegalBasis.CONSENT, List.of());
    }

    /** A programme resting on consent, with its promises. */
    public Programme(UUID id, String name, String description, String organisation, List<Purpose> purposes,
                     DataScope scope, URI termsUri, String termsVersion, List<String> stewards, Instant createdAt,
                     List<Promise> promises) {
        this(id, name, description, organisation, purposes, scope, termsUri, termsVersion, stewards, createdAt,
                promises, LegalBasis.CONSENT, List.of());
    }

    /** A programme on the given basis that declares no promises. */
    public Programme(UUID id, String name, String description, String organisation, List<Purpose> purposes,
                     DataScope scope, URI termsUri, String termsVersion, List<String> stewards, Instant createdAt,
                     LegalBasis legalBasis, List<UUID> sourceIds) {
        this(id, name, description, organisation, purposes, scope, termsUri, termsVersion, stewards, createdAt,
                List.of(), legalBasis, sourceIds);
    }

    public boolean isOptOut() {
        return legalBasis.isOptOut();
    }

    /** The languages the programme offers its texts in, in the order it offers them. */
    public List<Language> languages() {
        return List.copyOf(texts.keySet());
    }

    public boolean offers(Language language) {
        return texts.containsKey(language);
    }

    /**
     * The same programme in the words of a language it offers: its name, description and organisation as it
     * registered them in that language; everything else, its terms and legal basis included, stays as registered.
     * Empty when it does not offer the language: a reader is then told so, never shown another language silently.
     */
    public Optional<Programme> in(Language language) {
        ProgrammeTexts words = texts.get(language);
        return words == null ? Optional.empty() : Optional.of(new Programme(id, words.name(), words.description(),
                words.organisation(), purposes, scope, termsUri, termsVersion, stewards, createdAt, promises,
                legalBasis, sourceIds, accessModes, disclosure, texts));
    }

    /**
     * {@link #in} for a text the person is about to sign: refused, naming the languages it offers, when it does
     * not offer this one.
     */
    public Programme wordedIn(Language language) {
        return in(language).orElseThrow(() -> new InvalidRequestException("language", "the programme offers its "
                + "texts in " + languages().stream().map(Language::tag).collect(Collectors.joining(", "))
                + ", not in " + language.tag() + ": choose one of those"));
    }

    /** The kinds of data in words of the language where it has them, each followed by its FHIR type. */
    public static String kindsInWords(List<String> resourceTypes, Language language) {
        return resourceTypes.stream().map(type -> language.optionalWords("kind." + type)
                .map(words -> words + " (" + type + ")").orElse(type)).collect(Collectors.joining(", "));
    }

    /** Purposes in words of the language, each followed by its DPV code. */
    public static String purposesInWords(List<Purpose> purposes, Language language) {
        return purposes.stream().map(p -> p.plainWords(language) + " (" + p.code() + ")")
                .collect(Collectors.joining(", "));
    }

    /**
     * Whether a data request or a consent may ask for the mode: the programme offers it, or offers records, which
     * imply statistics.
     */
    public boolean offers(AccessMode mode) {
        return mode.isAllowedBy(accessModes);
    }

    /** The purposes a consent may give: each must be one of the programme's or narrower. */
    public boolean allowsPurpose(Purpose purpose) {
        return purposes.stream().anyMatch(p -> p.covers(purpose));
    }
}
