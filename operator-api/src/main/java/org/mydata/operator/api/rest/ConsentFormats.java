package org.mydata.operator.api.rest;

import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.formats.AuditBundleAsFhir;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.formats.ChoiceRecord;
import org.mydata.operator.formats.DataAltruismForm;
import org.mydata.operator.formats.Iso27560;
import org.mydata.operator.formats.Issuer;
import org.mydata.operator.gateway.PublicBaseUrl;
import org.mydata.operator.link.ServiceLink;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;

/**
 * A person's consents in the standard formats: finds what the core's mappings need (the programme, the names of
 * the linked sources, the operator's public origin) and hands it to them. The API's receipt endpoint and the
 * download of everything both use it.
 */
public final class ConsentFormats {
    private final ProgrammeRegistry programmes;
    private final ServiceLinks links;
    private final SourceRegistry sources;
    private final PublicBaseUrl publicBase;
    private final Clock clock;

    public ConsentFormats(ProgrammeRegistry programmes, ServiceLinks links, SourceRegistry sources,
                          PublicBaseUrl publicBase, Clock clock) {
        this.programmes = programmes;
        this.links = links;
        this.sources = sources;
        this.publicBase = publicBase;
        this.clock = clock;
    }

    /** The consent as every format reads it; {@code consent} must be the account's own (as Consents gives it). */
    public ChoiceRecord choice(Account account, Consent consent) {
        return choices(account, List.of(consent)).get(0);
    }

    public List<ChoiceRecord> choices(Account account, List<Consent> consents) {
        Map<UUID, String> sourceNames = new HashMap<>();
        for (FhirSource source : sources.list()) {
            sourceNames.put(source.id(), source.name());
        }
        Map<UUID, String> sourceByLink = new HashMap<>();
        for (ServiceLink link : links.list(account)) {
            sourceByLink.put(link.id(), sourceNames.getOrDefault(link.sourceId(), link.sourceId().toString()));
        }
        return consents.stream().map(c -> ChoiceRecord.of(c, programmes.get(c.programmeId()),
                c.linkIds().stream().map(id -> sourceByLink.getOrDefault(id, id.toString())).distinct().toList()))
                .toList();
    }

    public Issuer issuer() {
        // asked each time: the embedded default knows its port only once the server runs
        return new Issuer(AuditBundleAsFhir.OPERATOR, publicBase.origin());
    }

    /** A fresh ISO/IEC TS 27560 receipt (a new receipt id each time it is issued) carrying the record. */
    public Map<String, Object> receipt(ChoiceRecord choice) {
        return Iso27560.receipt(choice, issuer(), UUID.randomUUID(), clock.instant());
    }

    public Map<String, Object> record(ChoiceRecord choice) {
        return Iso27560.record(choice, issuer());
    }

    public Map<String, Object> altruismForm(ChoiceRecord choice) {
        return DataAltruismForm.form(choice, issuer());
    }

    /**
     * The section the download of everything carries: per consent, its 27560 receipt and its DGA form. Kept in
     * one place so the download's own shape can change around it.
     */
    public List<Map<String, Object>> forDownload(Account account, List<Consent> consents) {
        return choices(account, consents).stream().map(choice -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("consentId", choice.id());
            entry.put("iso27560Receipt", receipt(choice));
            entry.put("dgaAltruismForm", altruismForm(choice));
            return entry;
        }).toList();
    }
}
