package org.mydata.operator.api.rest;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.optout.OptOuts;
import org.mydata.operator.link.ServiceLinks;
import org.mydata.operator.signing.Jwks;
import org.mydata.operator.signing.KeyRing;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Everything the operator holds about the caller, with the keys to check it, so a person can take their
 * receipts elsewhere and verify them without us (MyData: the person is the point of integration).
 */
@RestController
public class ExportController {
    private final ServiceLinks links;
    private final Consents consents;
    private final KeyRing keyRing;
    private final Callers callers;
    private final Clock clock;
    private final OptOuts optOuts;

    public ExportController(ServiceLinks links, Consents consents, KeyRing keyRing, Callers callers, Clock clock,
                            OptOuts optOuts) {
        this.optOuts = optOuts;
        this.links = links;
        this.consents = consents;
        this.keyRing = keyRing;
        this.callers = callers;
        this.clock = clock;
    }

    public record AccountView(UUID id, Instant createdAt) {
    }

    public record PersonExport(Instant exportedAt, AccountView account, List<LinkController.LinkView> links,
                               List<ConsentController.ConsentView> consents, Map<String, Object> jwks,
                               List<OptOutController.OptOutView> optOuts) {
    }

    @GetMapping("/api/v1/me/export")
    public ResponseEntity<PersonExport> export(@AuthenticationPrincipal Jwt token) {
        return download(exportOf(callers.account(token)));
    }

    /** Everything about the account, built the same way for the API and the citizen pages. */
    public PersonExport exportOf(Account account) {
        Instant now = clock.instant();
        return new PersonExport(now, new AccountView(account.id(), account.createdAt()),
                links.list(account).stream().map(LinkController.LinkView::of).toList(),
                consents.list(account).stream().map(c -> ConsentController.ConsentView.of(c, now)).toList(),
                Jwks.document(keyRing.publicKeys()),
                optOuts.list(account).stream().map(OptOutController.OptOutView::of).toList());
    }

    /** A JSON file to save, whatever the client said it accepts. */
    public static ResponseEntity<PersonExport> download(PersonExport export) {
        return ResponseEntity.ok()
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"mydata-export.json\"")
                .contentType(org.springframework.http.MediaType.APPLICATION_JSON)
                .body(export);
    }
}
