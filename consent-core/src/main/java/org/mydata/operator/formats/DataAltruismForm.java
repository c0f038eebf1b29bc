package org.mydata.operator.formats;

import static org.mydata.operator.formats.JsonLd.node;
import static org.mydata.operator.formats.JsonLd.time;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mydata.operator.programme.Purpose;

/**
 * A donation as the European data altruism consent form of the Data Governance Act (Regulation (EU) 2022/868,
 * Art. 25) would carry it, machine-readable, beside its ISO/IEC TS 27560 record. No implementing act fixing the
 * form's layout was found in force (Implementing Regulation (EU) 2023/1622 is about the DGA's logos), so its
 * modules here follow what the Act itself requires of
 * a data altruism consent: the objectives of general interest and specified purposes (Art. 21(1)(a)), who may
 * process (Art. 21(1)(a)), tools to give and withdraw consent for a specific processing operation (Art. 21(3),
 * Art. 25(3)), and a modular layout (Art. 25(2)). docs/records.md maps each module onto the programme.
 */
public final class DataAltruismForm {
    /** The Data Governance Act, by its European Legislation Identifier. */
    public static final String DGA = "http://data.europa.eu/eli/reg/2022/868/oj";

    private DataAltruismForm() {
    }

    public static Map<String, Object> form(ChoiceRecord choice, Issuer issuer) {
        Map<String, Object> context = new LinkedHashMap<>(JsonLd.context());
        // the form's own module names are ours; the content inside each is DPV
        context.put("@vocab", JsonLd.OWN_VOCABULARY);
        String controller = Iso27560.controllerIri(choice);
        return node(
                "@context", context,
                "@id", "urn:uuid:" + choice.id() + "#dga-altruism-form",
                "@type", "eu-dga:EUDataAltruismConsentForm",
                "dct:conformsTo", DGA,
                "dct:source", "urn:uuid:" + choice.id(),
                "dct:language", Iso27560.NOTICE_LANGUAGE,
                "dpv:hasApplicableLaw", List.of("legal-eu:law-DGA", "legal-eu:law-GDPR"),
                "modules", node(
                        "organisation", node(
                                "dct:title", "Who collects the data and for whom",
                                "dpv:hasDataController", node(
                                        "@id", controller,
                                        "@type", List.of("dpv:Organisation", "dpv:DataController"),
                                        "dpv:hasName", choice.programme().organisation(),
                                        "schema:url", choice.programme().termsUri().toString()),
                                "programme", node("@id", "urn:mydata-operator:programme:" + choice.programme().id(),
                                        "dpv:hasName", choice.programme().name(),
                                        "dct:description", choice.programme().description()),
                                "consentTools", Iso27560.operator(issuer)),
                        "objectivesOfGeneralInterest", node(
                                "dct:title", "Objectives of general interest (DGA Art. 2(16), Art. 21(1)(a))",
                                "dpv:hasPurpose", objectives(choice.purposes())),
                        "purposes", node(
                                "dct:title", "Specified purposes of processing (DGA Art. 21(1)(a))",
                                "dpv:hasPurpose", Iso27560.purposes(choice.purposes())),
                        "data", node(
                                "dct:title", "Which data, from where",
                                "dpv:hasPersonalData", Iso27560.personalData(choice.scope()),
                                "dpv:hasDataSource", choice.sourceNames().stream()
                                        .map(n -> node("@type", "dpv:DataSource", "dpv:hasName", n)).toList()),
                        "dataUsers", node(
                                "dct:title", "Who may process the data (DGA Art. 21(1)(a))",
                                "dct:description", choice.allowsRecords()
                                        ? "researchers whose data permit for this programme its stewards approved; "
                                        + "they receive statistics, or under a records permit pseudonymised data, "
                                        + "through the operator"
                                        : "researchers whose data permit for this programme its stewards approved; "
                                        + "they receive statistics about groups of people only, never records",
                                "dpv:hasProcessing", Iso27560.processing(choice)),
                        "conditions", node(
                                "dct:title", "Conditions",
                                "dpv:hasLegalBasis", choice.kind().legalBasis(),
                                "validFrom", time(choice.validFrom()),
                                "validUntil", time(choice.validUntil()),
                                "dct:temporal", choice.scope().dataFrom() == null && choice.scope().dataUntil() == null
                                        ? null : (choice.scope().dataFrom() == null ? ".." : choice.scope().dataFrom())
                                        + "/" + (choice.scope().dataUntil() == null ? ".." : choice.scope().dataUntil()),
                                "terms", node("@id", choice.terms().policyUri().toString(),
                                        "dct:hasVersion", choice.terms().version()),
                                "shownTextSha256", choice.terms().shownTextSha256()),
                        "consentAndWithdrawal", node(
                                "dct:title", "Giving and withdrawing consent (DGA Art. 21(3), Art. 25(3))",
                                "status", choice.latest().type().wire(),
                                "dpv:hasConsentStatus", choice.latest().type().dpvTypes(),
                                "statusSince", time(choice.latest().at()),
                                "history", choice.events().stream().map(e -> node(
                                        "status", e.type().wire(),
                                        "at", time(e.at()),
                                        "by", e.by().wire(),
                                        "logIndex", e.signed().logIndex())).toList(),
                                "dpv:hasConsentControl", node(
                                        "@type", List.of("dpv:WithdrawConsent", "dpv:ReaffirmConsent"),
                                        "dpv:isExercisedAt", issuer.consentPage(choice.id())),
                                "effectOfWithdrawal", "no data is released for any request that starts after the "
                                        + "withdrawal returns; permit holders that received data are asked to erase it"),
                        "signature", node(
                                "dct:title", "The signed consent record that this form restates",
                                "mydata:signedRecord", JsonLd.signed(choice.signed(), issuer),
                                "iso27560Record", "urn:uuid:" + choice.id())));
    }

    /**
     * DGA's general-interest objectives (Art. 2(16)) for the purposes given: non-commercial research is
     * "scientific research purposes in the general interest"; commercial research is not claimed as one, and data
     * altruism names itself.
     */
    private static List<String> objectives(List<Purpose> purposes) {
        Set<String> objectives = new LinkedHashSet<>();
        objectives.add(Purpose.DATA_ALTRUISM.code());
        for (Purpose p : purposes) {
            if (Purpose.SCIENTIFIC_RESEARCH.covers(p) && p != Purpose.COMMERCIAL_RESEARCH) {
                objectives.add(Purpose.SCIENTIFIC_RESEARCH.code());
            }
        }
        return List.copyOf(objectives);
    }
}
