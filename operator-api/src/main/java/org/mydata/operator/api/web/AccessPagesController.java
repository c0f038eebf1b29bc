package org.mydata.operator.api.web;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.access.CitizenAccess;
import org.mydata.operator.account.Account;
import org.mydata.operator.api.rest.ExportController;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.programme.Purpose;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/** Who used the person's data (the access log), and everything the operator holds about them (the export). */
@Controller
public class AccessPagesController {
    private final AccessLog accessLog;
    private final Consents consents;
    private final SignedInCitizens citizens;
    private final CitizenPages pages;
    private final ExportController export;

    public AccessPagesController(AccessLog accessLog, Consents consents, SignedInCitizens citizens, CitizenPages pages,
                                 ExportController export) {
        this.accessLog = accessLog;
        this.consents = consents;
        this.citizens = citizens;
        this.pages = pages;
        this.export = export;
    }

    /**
     * One access as the page shows it: the purpose (null when it is no DPV term the operator knows) and the
     * programme of the consent it relied on.
     */
    public record AccessRow(CitizenAccess access, Purpose purpose, String consentProgramme) {
    }

    @GetMapping("/app/access")
    public String accessLog(Authentication signedIn, Model model) {
        Account account = citizens.account(signedIn);
        Map<UUID, String> programmeByConsent = new HashMap<>();
        pages.cards(account, consents.list(account)).forEach(card -> programmeByConsent.put(card.consent().id(),
                card.programme() == null ? "?" : card.programme().name()));
        List<AccessRow> rows = accessLog.ofAccount(account.id()).stream()
                .map(a -> new AccessRow(a, Purpose.fromCode(a.purpose()).orElse(null),
                        programmeByConsent.get(a.consentId())))
                .toList();
        model.addAttribute("rows", rows);
        return "app/access";
    }

    /**
     * Everything about the person, exactly as {@code GET /api/v1/me/export} gives it (the same code builds it):
     * the account, every link and consent with all their signed records, and the keys to check them.
     */
    @GetMapping("/app/export")
    public ResponseEntity<ExportController.PersonExport> download(Authentication signedIn) {
        return ExportController.download(export.exportOf(citizens.account(signedIn)));
    }
}
