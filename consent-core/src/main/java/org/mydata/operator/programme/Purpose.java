package org.mydata.operator.programme;

import java.util.Arrays;
import java.util.Optional;

/**
 * Purposes of processing, as W3C Data Privacy Vocabulary terms. Each knows the broader purpose it
 * belongs to, so a consent to scientific research covers a permit for academic research, but not
 * the other way round.
 */
public enum Purpose {
    RESEARCH_AND_DEVELOPMENT("dpv:ResearchAndDevelopment", null, "research and development"),
    SCIENTIFIC_RESEARCH("dpv:ScientificResearch", RESEARCH_AND_DEVELOPMENT, "scientific research"),
    ACADEMIC_RESEARCH("dpv:AcademicResearch", SCIENTIFIC_RESEARCH, "academic research"),
    NON_COMMERCIAL_RESEARCH("dpv:NonCommercialResearch", SCIENTIFIC_RESEARCH, "non-commercial research"),
    COMMERCIAL_RESEARCH("dpv:CommercialResearch", SCIENTIFIC_RESEARCH, "commercial research"),
    HEALTHCARE_SCIENTIFIC_RESEARCH("dpv-health:HealthcareScientificResearch", SCIENTIFIC_RESEARCH,
            "health and medical research"),
    DATA_ALTRUISM("dpv:DataAltruism", null, "data donation for the common good");

    private final String code;
    private final Purpose broader;
    private final String plainWords;

    Purpose(String code, Purpose broader, String plainWords) {
        this.code = code;
        this.broader = broader;
        this.plainWords = plainWords;
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

    public String plainWords() {
        return plainWords;
    }

    /** True when this purpose is the other one or broader than it. */
    public boolean covers(Purpose other) {
        for (Purpose p = other; p != null; p = p.broader) {
            if (p == this) {
                return true;
            }
        }
        return false;
    }

    public static Optional<Purpose> fromCode(String code) {
        return Arrays.stream(values()).filter(p -> p.code.equals(code)).findFirst();
    }
}
