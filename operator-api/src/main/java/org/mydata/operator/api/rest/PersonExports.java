package org.mydata.operator.api.rest;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.access.CitizenAccess;
import org.mydata.operator.account.Account;
import org.mydata.operator.api.rest.ExportController.AccessView;
import org.mydata.operator.api.rest.ExportController.AccountView;
import org.mydata.operator.api.rest.ExportController.ErasureRequestView;
import org.mydata.operator.api.rest.ExportController.ExportedConsent;
import org.mydata.operator.api.rest.ExportController.ExportedLink;
import org.mydata.operator.api.rest.ExportController.PermitName;
import org.mydata.operator.api.rest.ExportController.PersonExport;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.consent.ErasureRequest;
import org.mydata.operator.consent.ErasureRequests;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.optout.OptOuts;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.signing.Jwks;
import org.mydata.operator.signing.PublicKeys;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * The personal export ({@link ExportController#FORMAT}): everything the operator holds about a person, built
 * once for the API ({@code GET /api/v1/me/export}) and the citizen pages (the download and the summary).
 */
public final class PersonExports {
    private final ServiceLinks links;
    private final Consents consents;
    private final PublicKeys keys;
    private final Clock clock;
    private final ProgrammeRegistry programmes;
    private final SourceRegistry sources;
    private final AccessLog accessLog;
    private final ErasureRequests erasureRequests;
    private final ConsentFormats formats;
    private final OptOuts optOuts;

    public PersonExports(ServiceLinks links, Consents consents, PublicKeys keys, Clock clock,
                         ProgrammeRegistry programmes, SourceRegistry sources, AccessLog accessLog,
                         ErasureRequests erasureRequests, ConsentFormats formats, OptOuts optOuts) {
        this.optOuts = optOuts;
        this.links = links;
        this.consents = consents;
        this.keys = keys;
        this.clock = clock;
        this.programmes = programmes;
        this.sources = sources;
        this.accessLog = accessLog;
        this.erasureRequests = erasureRequests;
        this.formats = formats;
    }

    /** Everything about the account, built the same way for the API, the citizen pages and the summary. */
    public PersonExport exportOf(Account account) {
        Instant now = clock.instant();
        Map<UUID, Programme> programmeById = new HashMap<>();
        programmes.list().forEach(p -> programmeById.put(p.id(), p));
        Map<UUID, String> sourceName = new HashMap<>();
        for (FhirSource source : sources.list()) {
            sourceName.put(source.id(), source.name());
        }
        List<Consent> theirs = consents.list(account);
        Map<UUID, UUID> programmeOfConsent = new HashMap<>();
        theirs.forEach(c -> programmeOfConsent.put(c.id(), c.programmeId()));
        List<ExportedConsent> exportedConsents = theirs.stream().map(c -> {
            Programme p = programmeById.get(c.programmeId());
            return new ExportedConsent(ConsentController.ConsentView.of(c, now), p == null ? null : p.name(),
                    p == null ? null : p.organisation());
        }).toList();
        List<AccessView> accesses = accessLog.ofAccount(account.id()).stream().map(a -> {
            Programme p = programmeById.get(programmeOfConsent.get(a.consentId()));
            return new AccessView(a.eventId(), a.at(),
                    new PermitName(a.permitId(), a.projectId(), a.projectTitle(), a.organisation()), purpose(a),
                    a.consentId(), p == null ? null : p.name(), a.resourceTypes(), a.resourceCount(),
                    a.interaction());
        }).toList();
        List<ErasureRequestView> erasures = erasureRequests.list(account).stream().map((ErasureRequest r) -> {
            Programme p = programmeById.get(r.programmeId());
            return new ErasureRequestView(r.id(), r.consentId(), r.programmeId(), p == null ? null : p.name(),
                    r.permitIds(), r.createdAt(), r.record(), r.logIndex());
        }).toList();
        return new PersonExport(ExportController.FORMAT, now, new AccountView(account.id(), account.createdAt()),
                links.list(account).stream().map(l -> new ExportedLink(LinkController.LinkView.of(l),
                        sourceName.get(l.sourceId()))).toList(),
                exportedConsents, accesses, erasures, Jwks.document(keys.publicKeys()),
                formats.forDownload(account, theirs),
                optOuts.list(account).stream().map(OptOutController.OptOutView::of).toList());
    }

    /** The purpose as its DPV code and plain words; an unknown code keeps its words empty. */
    private static ProgrammeController.PurposeView purpose(CitizenAccess access) {
        return Purpose.fromCode(access.purpose()).map(ProgrammeController::purpose)
                .orElse(new ProgrammeController.PurposeView(access.purpose(), null));
    }

    /** A JSON file to save, whatever the client said it accepts. */
    public static ResponseEntity<PersonExport> download(PersonExport export) {
        return ResponseEntity.ok()
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"mydata-export.json\"")
                .contentType(MediaType.APPLICATION_JSON)
                .body(export);
    }
}
