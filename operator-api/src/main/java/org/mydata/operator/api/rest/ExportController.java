package org.mydata.operator.api.rest;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.access.CitizenAccess;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.consent.ErasureRequest;
import org.mydata.operator.consent.ErasureRequests;
import org.mydata.operator.optout.OptOuts;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.signing.Jwks;
import org.mydata.operator.signing.KeyRing;
import org.mydata.operator.source.FhirSource;
import org.mydata.operator.source.SourceRegistry;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Everything the operator holds about the caller, with the keys to check it, so a person can take their
 * receipts elsewhere and verify them without us (MyData: the person is the point of integration). The format
 * is documented in docs/api.md ("The personal export"); {@link #FORMAT} names its version.
 */
@RestController
public class ExportController {
    /** The export's format and version; a change that removes or renames a field makes a new version. */
    public static final String FORMAT = "mydata-person-export/2";

    private final ServiceLinks links;
    private final Consents consents;
    private final KeyRing keyRing;
    private final Callers callers;
    private final Clock clock;
    private final ProgrammeRegistry programmes;
    private final SourceRegistry sources;
    private final AccessLog accessLog;
    private final ErasureRequests erasureRequests;
    private final ConsentFormats formats;
    private final OptOuts optOuts;

    public ExportController(ServiceLinks links, Consents consents, KeyRing keyRing, Callers callers, Clock clock,
                            ProgrammeRegistry programmes, SourceRegistry sources, AccessLog accessLog,
                            ErasureRequests erasureRequests, ConsentFormats formats, OptOuts optOuts) {
        this.optOuts = optOuts;
        this.links = links;
        this.consents = consents;
        this.keyRing = keyRing;
        this.callers = callers;
        this.clock = clock;
        this.programmes = programmes;
        this.sources = sources;
        this.accessLog = accessLog;
        this.erasureRequests = erasureRequests;
        this.formats = formats;
    }

    public record AccountView(UUID id, Instant createdAt) {
    }

    /** A link as the API shows it, with the source's name beside its id. */
    public record ExportedLink(@JsonUnwrapped LinkController.LinkView link, String sourceName) {
    }

    /** A consent as the API shows it, with the programme's name and organisation beside its id. */
    public record ExportedConsent(@JsonUnwrapped ConsentController.ConsentView consent, String programmeName,
                                  String programmeOrganisation) {
    }

    /** The project a permit was issued to, by name. */
    public record PermitName(UUID id, UUID projectId, String project, String organisation) {
    }

    /**
     * One read of the person's data, as the "who used your data" page shows it: when, under which permit (by
     * name), for which purpose, relying on which consent (and its programme), which kinds of data, how many
     * resources of theirs.
     */
    public record AccessView(UUID eventId, Instant at, PermitName permit, ProgrammeController.PurposeView purpose,
                             UUID consentId, String programmeName, List<String> resourceTypes, int resourceCount,
                             String interaction) {
        /** Whether the person was counted in a statistical answer rather than their records read. */
        public boolean isStatistic() {
            return org.mydata.operator.release.AccessMode.STATISTICS_INTERACTION.equals(interaction);
        }
    }

    /** A request to erase what a withdrawn consent released, with its signed record. */
    public record ErasureRequestView(UUID id, UUID consentId, UUID programmeId, String programmeName,
                                     List<UUID> permitIds, Instant requestedAt, String record, long logIndex) {
    }

    /**
     * @param standardFormats each consent again as an ISO/IEC TS 27560 receipt and a DGA data altruism form
     *     ({@link ConsentFormats#forDownload}); a section of its own, apart from the operator's own views
     * @param optOuts the person's opt-outs of programmes on an opt-out basis, with every signed record
     */
    public record PersonExport(String format, Instant exportedAt, AccountView account, List<ExportedLink> links,
                               List<ExportedConsent> consents, List<AccessView> accessLog,
                               List<ErasureRequestView> erasureRequests, Map<String, Object> jwks,
                               List<Map<String, Object>> standardFormats, List<OptOutController.OptOutView> optOuts) {
    }

    @GetMapping("/api/v1/me/export")
    public ResponseEntity<PersonExport> export(@AuthenticationPrincipal Jwt token) {
        return download(exportOf(callers.account(token)));
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
        return new PersonExport(FORMAT, now, new AccountView(account.id(), account.createdAt()),
                links.list(account).stream().map(l -> new ExportedLink(LinkController.LinkView.of(l),
                        sourceName.get(l.sourceId()))).toList(),
                exportedConsents, accesses, erasures, Jwks.document(keyRing.publicKeys()),
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
                .contentType(org.springframework.http.MediaType.APPLICATION_JSON)
                .body(export);
    }
}
