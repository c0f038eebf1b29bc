package org.mydata.operator.formats;

import static org.mydata.operator.formats.JsonLd.node;
import static org.mydata.operator.formats.JsonLd.time;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.consent.StatusRecord;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;

/**
 * ISO/IEC TS 27560:2023 consent records and receipts expressed with the W3C Data Privacy Vocabulary, as the DPV
 * community group's "Consent Records and Receipts as per ISO/IEC TS 27560:2023 using DPV" (w3id.org/dpv/guides/
 * consent-27560, sections 8 and 9) lays them out: profiles {@code dpv-27560#record} and {@code dpv-27560#receipt}.
 * Every record and every status event carries its compact JWS and log index, so the JSON-LD stays checkable
 * against the operator's keys; the JSON-LD itself is not signed (it is a view, the JWS is the evidence).
 */
public final class Iso27560 {
    public static final String RECORD_PROFILE = "https://w3id.org/dpv/schema/dpv-27560#record";
    public static final String RECEIPT_PROFILE = "https://w3id.org/dpv/schema/dpv-27560#receipt";
    /** The consent text is rendered in English (ConsentText); ISO 639-1. */
    static final String NOTICE_LANGUAGE = "en";
    /** The legal bases this operator records are GDPR's; its jurisdiction is therefore the EU's. */
    static final String JURISDICTION = "loc:EU";

    private Iso27560() {
    }

    /** The consent record (profile {@code dpv-27560#record}) as a JSON-LD document. */
    public static Map<String, Object> record(ChoiceRecord choice, Issuer issuer) {
        Map<String, Object> document = node("@context", JsonLd.context());
        document.putAll(recordNode(choice, issuer));
        return document;
    }

    /**
     * A receipt (profile {@code dpv-27560#receipt}) that carries a full copy of the record, as the guide's
     * section 9.2 presumes: ISO 27560 requires only its identifier and schema version, and asks that the record's
     * mandatory fields stay mandatory in it.
     */
    public static Map<String, Object> receipt(ChoiceRecord choice, Issuer issuer, UUID receiptId, Instant created) {
        return node("@context", JsonLd.context(),
                "@id", "urn:uuid:" + receiptId,
                "@type", "dpv:ConsentReceipt",
                "dct:conformsTo", RECEIPT_PROFILE,
                "dct:identifier", receiptId.toString(),
                "dpv:hasIdentifier", "urn:uuid:" + receiptId,
                "dct:created", time(created),
                "dct:publisher", operator(issuer),
                "schema:recipient", subjectIri(choice),
                "dpv:hasRecordOfActivity", recordNode(choice, issuer));
    }

    static Map<String, Object> recordNode(ChoiceRecord choice, Issuer issuer) {
        String controller = controllerIri(choice);
        Map<String, Object> record = node(
                "@id", "urn:uuid:" + choice.id(),
                "@type", "dpv:ConsentRecord",
                "dct:conformsTo", RECORD_PROFILE,
                "dct:identifier", choice.id().toString(),
                "dct:created", time(choice.createdAt()),
                "dct:publisher", Issuer.OPERATOR_IRI,
                "dpv:hasDataSubject", node(
                        "@id", subjectIri(choice),
                        "@type", "dpv:DataSubject",
                        // the operator's pseudonymous account id: no name, no national identifier
                        "dct:identifier", choice.accountId().toString()),
                "dpv:hasDataController", controller,
                "dpv:hasJurisdiction", JURISDICTION,
                "dpv:hasApplicableLaw", "legal-eu:law-GDPR",
                "dpv:hasLegalBasis", choice.kind().legalBasis(),
                "dpv:hasNotice", notices(choice),
                "dpv:hasProcess", List.of(process(choice, issuer, controller)),
                "dpv:hasEntity", List.of(controllerEntity(choice)),
                "dpv:hasConsentStatus", choice.events().stream().map(e -> event(choice, e, issuer)).toList(),
                "mydata:signedRecord", JsonLd.signed(choice.signed(), issuer));
        return record;
    }

    private static List<Map<String, Object>> notices(ChoiceRecord choice) {
        return List.of(
                node("@id", "urn:mydata-operator:consent-text:sha256:" + choice.terms().shownTextSha256(),
                        "@type", "dpv:ConsentNotice",
                        "dct:identifier", "sha256:" + choice.terms().shownTextSha256(),
                        "dct:language", NOTICE_LANGUAGE,
                        "dct:date", time(choice.createdAt()),
                        "dct:description", choice.shownText(),
                        "dct:source", choice.terms().policyUri().toString()),
                node("@id", choice.terms().policyUri().toString(),
                        "@type", "dpv:PrivacyNotice",
                        "dct:language", NOTICE_LANGUAGE,
                        "dct:hasVersion", choice.terms().version()));
    }

    private static Map<String, Object> process(ChoiceRecord choice, Issuer issuer, String controller) {
        return node(
                "@type", "dpv:Process",
                "dpv:hasPurpose", purposes(choice.purposes()),
                "dpv:hasPersonalData", personalData(choice.scope()),
                "dpv:hasDataSource", choice.sourceNames().stream()
                        .map(name -> node("@type", "dpv:DataSource", "dpv:hasName", name)).toList(),
                "dpv:hasProcessing", processing(choice),
                "dpv:hasStorageCondition", storage(choice),
                "dpv:hasDataController", controller,
                "dpv:hasRecipient", List.of(recipients(choice)),
                "dpv:hasLegalBasis", choice.kind().legalBasis(),
                "dpv:hasConsentControl", node(
                        "@type", List.of("dpv:WithdrawConsent", "dpv:ReaffirmConsent"),
                        "dct:description", "pause, resume or withdraw at any time; withdrawal is final",
                        "dpv:isExercisedAt", issuer.consentPage(choice.id())),
                "dpv:hasJurisdiction", JURISDICTION,
                "dpv:hasRight", rights(issuer));
    }

    /**
     * The processing the person allowed, by access mode: statistics are analysed and derived where the data is and
     * only protected aggregates leave; records are also pseudonymised by allowlist and sent to permit holders.
     */
    public static List<String> processing(ChoiceRecord choice) {
        List<String> processing = new java.util.ArrayList<>(List.of("dpv:Retrieve", "dpv:Analyse", "dpv:Derive"));
        if (choice.allowsRecords()) {
            processing.addAll(List.of("dpv:Pseudonymise", "dpv:Transfer"));
        }
        processing.add("dpv:Use");
        return processing;
    }

    static List<Map<String, Object>> purposes(List<Purpose> purposes) {
        return purposes.stream().map(p -> node(
                "@type", "dpv:Purpose",
                "skos:broader", p.code(),
                "dct:description", p.plainWords())).toList();
    }

    /**
     * One personal data category per FHIR resource type, as a DPV-PD concept: patients' demographics, prescriptions,
     * and every other clinical type as a health record (a special category under GDPR Art. 9).
     */
    static List<Map<String, Object>> personalData(DataScope scope) {
        String period = scope.dataFrom() == null && scope.dataUntil() == null ? null
                : (scope.dataFrom() == null ? ".." : scope.dataFrom().toString()) + "/"
                + (scope.dataUntil() == null ? ".." : scope.dataUntil().toString());
        List<Map<String, Object>> data = new ArrayList<>();
        for (String type : scope.resourceTypes()) {
            String category = switch (type) {
                case "Patient" -> "pd:Demographic";
                case "MedicationRequest", "MedicationStatement", "MedicationDispense" -> "pd:Prescription";
                default -> "pd:HealthRecord";
            };
            data.add(node(
                    "@type", category.equals("pd:Demographic") ? "dpv:PersonalData"
                            : List.of("dpv:PersonalData", "dpv:SpecialCategoryPersonalData"),
                    "skos:broader", category,
                    "dct:identifier", type,
                    "dct:conformsTo", "http://hl7.org/fhir/StructureDefinition/" + type,
                    "dct:temporal", period));
        }
        return data;
    }

    private static List<Map<String, Object>> storage(ChoiceRecord choice) {
        return List.of(
                node("@type", "dpv:StorageDuration",
                        "dpv:hasDuration", validity(choice)),
                node("@type", "dpv:StorageDeletion",
                        "dct:description", "on withdrawal every permit holder that received the data is asked to "
                                + "erase it and confirms the erasure"),
                // a legal location: the data stays with its sources and its permit holders, under EU law
                node("@type", "dpv:StorageLocation",
                        "dpv:hasJurisdiction", JURISDICTION));
    }

    private static Map<String, Object> recipients(ChoiceRecord choice) {
        return node("@type", List.of("dpv:Recipient", "dpv:ThirdParty"),
                "dpv:hasName", "researchers holding a data permit of the programme \"" + choice.programme().name() + "\"",
                "dct:description", "a permit is issued only after the programme's stewards approve a request; "
                        + "researchers receive pseudonymised data, never the person's name or identifiers");
    }

    private static List<Map<String, Object>> rights(Issuer issuer) {
        return List.of(
                right("eu-gdpr:A7-3", "Right to withdraw consent", issuer.url("/app/consents")),
                right("eu-gdpr:A15", "Right of access (who used the data)", issuer.url("/app/access")),
                right("eu-gdpr:A20", "Right to data portability (download everything)", issuer.url("/api/v1/me/export")));
    }

    private static Map<String, Object> right(String article, String title, String where) {
        return node("@type", List.of("dpv:DataSubjectRight", article),
                "dct:title", title,
                "dpv:isExercisedAt", where,
                "dpv:hasApplicableLaw", "legal-eu:law-GDPR");
    }

    private static Map<String, Object> controllerEntity(ChoiceRecord choice) {
        return node("@id", controllerIri(choice),
                "@type", List.of("dpv:Organisation", "dpv:DataController"),
                "dpv:hasName", choice.programme().organisation(),
                "dpv:hasIdentifier", controllerIri(choice),
                // the operator holds no postal address for a programme's organisation: its published terms say
                // how to reach it (see docs/records.md, record formats)
                "schema:contactPoint", node("@type", "schema:ContactPoint",
                        "schema:url", choice.programme().termsUri().toString()));
    }

    private static Map<String, Object> event(ChoiceRecord choice, ChoiceRecord.Event e, Issuer issuer) {
        List<String> types = new ArrayList<>(e.type().dpvTypes());
        if (e.type().validForProcessing()) {
            types.add(choice.kind().legalBasis().get(0));
        }
        return node(
                "@id", "urn:uuid:" + e.id(),
                "@type", types,
                "dct:identifier", e.id().toString(),
                "mydata:sequence", e.sequence(),
                "dpv:isIndicatedAtTime", time(e.at()),
                "dpv:isIndicatedBy", e.by() == StatusRecord.ChangedBy.PERSON ? "dpv:DataSubject" : Issuer.OPERATOR_IRI,
                "dpv:hasIndicationMethod", method(e),
                "dpv:hasDuration", duration(choice, e),
                "dct:description", e.reason(),
                "mydata:signedRecord", JsonLd.signed(e.signed(), issuer));
    }

    private static String method(ChoiceRecord.Event e) {
        if (e.by() == StatusRecord.ChangedBy.OPERATOR) {
            return "changed by the operator, with the reason recorded";
        }
        return switch (e.type()) {
            case GIVEN -> "signed in and confirmed the exact consent text shown";
            case PAUSED -> "signed in and paused the consent";
            case RESUMED -> "signed in and resumed the consent";
            case WITHDRAWN, REVOKED -> "signed in and withdrew the consent";
        };
    }

    private static Map<String, Object> duration(ChoiceRecord choice, ChoiceRecord.Event e) {
        return switch (e.type()) {
            case GIVEN, RESUMED -> validity(choice);
            case PAUSED -> node("@type", "dpv:UntilEventDuration",
                    "rdf:value", "until the data subject resumes or withdraws the consent");
            // withdrawal is final
            case WITHDRAWN, REVOKED -> node("@type", "dpv:EndlessDuration");
        };
    }

    private static Map<String, Object> validity(ChoiceRecord choice) {
        return choice.validUntil() == null
                ? node("@type", "dpv:UntilEventDuration", "rdf:value", "until the data subject withdraws the consent")
                : node("@type", "dpv:UntilTimeDuration", "rdf:value", time(choice.validUntil()));
    }

    static String subjectIri(ChoiceRecord choice) {
        return "urn:mydata-operator:account:" + choice.accountId();
    }

    static String controllerIri(ChoiceRecord choice) {
        return "urn:mydata-operator:programme:" + choice.programme().id() + ":organisation";
    }

    static Map<String, Object> operator(Issuer issuer) {
        return node("@id", Issuer.OPERATOR_IRI,
                "@type", "dpv:Organisation",
                "dpv:hasName", issuer.name(),
                "schema:url", issuer.origin());
    }
}
