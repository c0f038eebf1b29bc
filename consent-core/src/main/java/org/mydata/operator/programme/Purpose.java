package org.mydata.operator.programme;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Purposes of processing, as W3C Data Privacy Vocabulary terms. Each knows the broader purpose it
 * belongs to, so a consent to scientific research covers a permit for academic research, but not
 * the other way round.
 */
public enum Purpose {
    RESEARCH_AND_DEVELOPMENT("dpv:ResearchAndDevelopment", null),
    SCIENTIFIC_RESEARCH("dpv:ScientificResearch", RESEARCH_AND_DEVELOPMENT),
    ACADEMIC_RESEARCH("dpv:AcademicResearch", SCIENTIFIC_RESEARCH),
    NON_COMMERCIAL_RESEARCH("dpv:NonCommercialResearch", SCIENTIFIC_RESEARCH),
    COMMERCIAL_RESEARCH("dpv:CommercialResearch", SCIENTIFIC_RESEARCH),
    HEALTHCARE_SCIENTIFIC_RESEARCH("dpv-health:HealthcareScientificResearch", SCIENTIFIC_RESEARCH),
    DATA_ALTRUISM("dpv:DataAltruism", null);

    private final String code;
    private final Purpose broader;

    Purpose(String code, Purpose broader) {
        this.code = code;
        this.broader = broader;
    }

    /** The compact DPV term, e.g. {@code dpv:ScientificResearch}. */
    public String code() {
        return code;
    }

    /** The vocabulary's namespace: DPV itself or its health sector extension, as a FHIR code system. */
    public String codeSystem() {
        return code.startsWith("dpv-health:") ? "https://w3id.org/dpv/sector/health" : "https://w3id.org/dpv";
    }

    /** The term without its prefix, as FHIR codes it within {@link #codeSystem()}. */
    public String term() {
        return code.substring(code.indexOf(':') + 1);
    }

    /** In English, as the formats' descriptions give it. */
    public String plainWords() {
        return plainWords(Language.EN);
    }

    /** In the words of the signed texts of that language ({@code purpose.<code>} in {@link Language}'s bundle). */
    public String plainWords(Language language) {
        return language.words("purpose." + code);
    }

    /** The purpose this one is a kind of, if any. */
    public Optional<Purpose> broader() {
        return Optional.ofNullable(broader);
    }

    /** True when this purpose is the other one or broader than it. */
    public boolean covers(Purpose other) {
        return !other.upTo(this).isEmpty();
    }

    /**
     * The steps from this purpose up the hierarchy to {@code broader}, both included ({@code [academic research,
     * scientific research]}); empty when {@code broader} does not cover this one. The citizen pages explain a
     * coverage with it, so they say exactly what {@link #covers} decided.
     */
    public List<Purpose> upTo(Purpose broader) {
        List<Purpose> steps = new ArrayList<>();
        for (Purpose p = this; p != null; p = p.broader) {
            steps.add(p);
            if (p == broader) {
                return List.copyOf(steps);
            }
        }
        return List.of();
    }

    public static Optional<Purpose> fromCode(String code) {
        return Arrays.stream(values()).filter(p -> p.code.equals(code)).findFirst();
    }
}
