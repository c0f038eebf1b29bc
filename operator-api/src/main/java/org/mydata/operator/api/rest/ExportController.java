package org.mydata.operator.api.rest;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Everything the operator holds about the caller, with the keys to check it, so a person can take their
 * receipts elsewhere and verify them without us (MyData: the person is the point of integration). The format
 * is documented in docs/api.md ("The personal export"); {@link #FORMAT} names its version. {@link PersonExports}
 * builds it, for this endpoint and the citizen pages alike.
 */
@RestController
public class ExportController {
    /** The export's format and version; a change that removes or renames a field makes a new version. */
    public static final String FORMAT = "mydata-person-export/2";

    private final PersonExports exports;
    private final Callers callers;

    public ExportController(PersonExports exports, Callers callers) {
        this.exports = exports;
        this.callers = callers;
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
            return org.mydata.operator.verify.release.AccessMode.STATISTICS_INTERACTION.equals(interaction);
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
        return PersonExports.download(exports.exportOf(callers.account(token)));
    }

}
