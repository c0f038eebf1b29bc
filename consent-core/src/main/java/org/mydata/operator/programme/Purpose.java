package org.mydata.operator.programme;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.mydata.operator.verify.release.TermsOfUse;

/**
 * Purposes of processing, as W3C Data Privacy Vocabulary terms. Each knows the broader purpose it
 * belongs to, so a consent to scientific research covers a permit for academic research, but not
 * the other way round. The hierarchy is operator-verify's {@link TermsOfUse}, which the auditors judge by too.
 */
public enum Purpose {
    RESEARCH_AND_DEVELOPMENT("dpv:ResearchAndDevelopment"),
    SCIENTIFIC_RESEARCH("dpv:ScientificResearch"),
    ACADEMIC_RESEARCH("dpv:AcademicResearch"),
    NON_COMMERCIAL_RESEARCH("dpv:NonCommercialResearch"),
    COMMERCIAL_RESEARCH("dpv:CommercialResearch"),
    HEALTHCARE_SCIENTIFIC_RESEARCH("dpv-health:HealthcareScientificResearch"),
    DATA_ALTRUISM("dpv:DataAltruism");

    private final String code;

    Purpose(String code) {
        this.code = code;
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
        return TermsOfUse.broaderPurpose(code).flatMap(Purpose::fromCode);
    }

    /** True when this purpose is the other one or broader than it. */
    public boolean covers(Purpose other) {
        return TermsOfUse.purposeCovers(code, other.code);
    }

    /**
     * The steps from this purpose up the hierarchy to {@code broader}, both included ({@code [academic research,
     * scientific research]}); empty when {@code broader} does not cover this one. The citizen pages explain a
     * coverage with it, so they say exactly what {@link #covers} decided.
     */
    public List<Purpose> upTo(Purpose broader) {
        List<Purpose> steps = new ArrayList<>();
        for (Purpose p = this; p != null; p = p.broader().orElse(null)) {
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
