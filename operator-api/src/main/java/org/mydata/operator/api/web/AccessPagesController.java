package org.mydata.operator.api.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.access.CitizenAccess;
import org.mydata.operator.account.Account;
import org.mydata.operator.api.rest.ExportController;
import org.mydata.operator.api.rest.PersonExports;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.permit.Cohorts;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.release.ConsentGrant;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * Who may read the person's data now (the permits whose cohort includes them), who did read it (the access
 * log), and everything the operator holds about them (the export, as JSON and as a readable summary).
 */
@Controller
public class AccessPagesController {
    private final AccessLog accessLog;
    private final Consents consents;
    private final SignedInCitizens citizens;
    private final CitizenPages pages;
    private final PersonExports export;
    private final Cohorts cohorts;
    private final ProgrammeRegistry programmes;
    private final Clock clock;

    public AccessPagesController(AccessLog accessLog, Consents consents, SignedInCitizens citizens, CitizenPages pages,
                                 PersonExports export, Cohorts cohorts, ProgrammeRegistry programmes, Clock clock) {
        this.accessLog = accessLog;
        this.consents = consents;
        this.citizens = citizens;
        this.pages = pages;
        this.export = export;
        this.cohorts = cohorts;
        this.programmes = programmes;
        this.clock = clock;
    }

    /**
     * One access as the page shows it: the purpose (null when it is no DPV term the operator knows), the
     * programme of the consent it relied on, and how that consent's purposes cover the access's purpose.
     */
    public record AccessRow(CitizenAccess access, Purpose purpose, String consentProgramme, PurposeCoverage coverage) {
    }

    /** A permit that may read the person's data now, in words: its programme, and how their consent covers it. */
    public record PermitRow(Cohorts.Reach reach, Programme programme, List<PurposeCoverage> coverage) {
    }

    @GetMapping("/app/access")
    public String accessLog(Authentication signedIn, Model model) {
        Account account = citizens.account(signedIn);
        Map<UUID, String> programmeByConsent = new HashMap<>();
        Map<UUID, List<Purpose>> purposesByConsent = new HashMap<>();
        pages.cards(account, consents.list(account)).forEach(card -> {
            programmeByConsent.put(card.consent().id(), card.programme() == null ? "?" : card.programme().name());
            purposesByConsent.put(card.consent().id(), card.consent().purposes());
        });
        List<AccessRow> rows = accessLog.ofAccount(account.id()).stream().map(a -> {
            Purpose purpose = Purpose.fromCode(a.purpose()).orElse(null);
            return new AccessRow(a, purpose, programmeByConsent.get(a.consentId()),
                    PurposeCoverage.of(purpose, purposesByConsent.getOrDefault(a.consentId(), List.of())).orElse(null));
        }).toList();
        model.addAttribute("rows", rows);
        return "app/access";
    }

    /**
     * Who may read the person's data now: every permit whose cohort includes them, as {@link Cohorts#reaching}
     * answers it by the one release policy, with how their consent covers each of the permit's purposes.
     */
    @GetMapping("/app/permits")
    public String permits(Authentication signedIn, Model model) {
        Account account = citizens.account(signedIn);
        Map<UUID, Programme> byId = new HashMap<>();
        programmes.list().forEach(p -> byId.put(p.id(), pages.shown(p)));
        List<PermitRow> rows = cohorts.reaching(account.id(), clock.instant()).stream().map(reach -> {
            Set<Purpose> given = new LinkedHashSet<>();
            for (ConsentGrant grant : reach.grants()) {
                given.addAll(grant.purposes());
            }
            return new PermitRow(reach, byId.get(reach.permit().programmeId()),
                    PurposeCoverage.of(reach.permit().purposes(), given));
        }).toList();
        model.addAttribute("rows", rows);
        return "app/permits";
    }

    /**
     * Everything about the person, exactly as {@code GET /api/v1/me/export} gives it (the same code builds it):
     * the account, every link and consent with all their signed records, the access log, erasure requests,
     * and the keys to check them.
     */
    @GetMapping("/app/export")
    public ResponseEntity<ExportController.PersonExport> download(Authentication signedIn) {
        return PersonExports.download(export.exportOf(citizens.account(signedIn)));
    }

    /**
     * The same export as a document a person can read, print or keep: one self-contained HTML file (styles
     * inside, no script, nothing loaded from elsewhere), shown in the browser and saved under a file name.
     */
    @GetMapping("/app/export/summary")
    public String summary(Authentication signedIn, Model model, HttpServletResponse response) {
        ExportController.PersonExport everything = export.exportOf(citizens.account(signedIn));
        Map<UUID, String> sourceByLink = new HashMap<>();
        everything.links().forEach(l -> sourceByLink.put(l.link().id(), pages.sourceName(l.sourceName())));
        model.addAttribute("export", everything);
        model.addAttribute("sourceByLink", sourceByLink);
        model.addAttribute("summaryStyle", SUMMARY_STYLE);
        // Its styles are inside it, so it stays readable when saved; the policy allows that one style block only.
        response.setHeader("Content-Security-Policy", "default-src 'none'; style-src '" + SUMMARY_STYLE_HASH
                + "'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'");
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION,
                ContentDisposition.inline().filename("mydata-summary.html").build().toString());
        return "app/summary";
    }

    private static final String SUMMARY_STYLE = resource("/export/summary.css");
    private static final String SUMMARY_STYLE_HASH = "sha256-" + Base64.getEncoder().encodeToString(
            sha256(SUMMARY_STYLE.getBytes(StandardCharsets.UTF_8)));

    private static String resource(String path) {
        try (InputStream in = AccessPagesController.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
