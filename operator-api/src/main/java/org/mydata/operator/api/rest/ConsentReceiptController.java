package org.mydata.operator.api.rest;

import ca.uhn.fhir.context.FhirContext;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.consent.Consent;
import org.mydata.operator.formats.ConsentAsFhir;
import org.mydata.operator.consent.Consents;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.formats.ChoiceRecord;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A consent's receipt, in the format asked for: the signed consent record itself (the default), or the same
 * consent as ISO/IEC TS 27560 (receipt or record profile, DPV JSON-LD), as the DGA data altruism form, or as a
 * FHIR R4 {@code Consent}. Every format but the first carries the compact JWS, so it stays verifiable.
 */
@RestController
public class ConsentReceiptController {
    static final MediaType JOSE = MediaType.parseMediaType("application/jose");
    static final MediaType JSON_LD = MediaType.parseMediaType("application/ld+json");
    static final MediaType FHIR_JSON = MediaType.parseMediaType(FhirResponses.FHIR_JSON);

    /** The values of {@code format}. */
    enum Format {
        JWS("jws"), ISO27560("iso27560"), ISO27560_RECORD("iso27560-record"), DGA_ALTRUISM("dga-altruism"),
        FHIR("fhir");

        final String wire;

        Format(String wire) {
            this.wire = wire;
        }

        static Format of(String value) {
            for (Format f : values()) {
                if (f.wire.equals(value.toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
            throw new InvalidRequestException("format",
                    "format must be jws, iso27560, iso27560-record, dga-altruism or fhir");
        }
    }

    private final Consents consents;
    private final Callers callers;
    private final ConsentFormats formats;
    private final FhirContext fhir;

    public ConsentReceiptController(Consents consents, Callers callers, ConsentFormats formats, FhirContext fhir) {
        this.consents = consents;
        this.callers = callers;
        this.formats = formats;
        this.fhir = fhir;
    }

    @GetMapping("/api/v1/me/consents/{id}/receipt")
    public ResponseEntity<?> receipt(@AuthenticationPrincipal Jwt token, @PathVariable UUID id,
                                     @RequestParam(defaultValue = "jws") String format) {
        Format wanted = Format.of(format);
        Account account = callers.account(token);
        Consent consent = consents.get(account, id);
        if (wanted == Format.JWS) {
            return ResponseEntity.ok().contentType(JOSE).body(consent.record().getBytes(StandardCharsets.US_ASCII));
        }
        ChoiceRecord choice = formats.choice(account, consent);
        return switch (wanted) {
            case ISO27560 -> ResponseEntity.ok().contentType(JSON_LD).body(formats.receipt(choice));
            case ISO27560_RECORD -> ResponseEntity.ok().contentType(JSON_LD).body(formats.record(choice));
            case DGA_ALTRUISM -> ResponseEntity.ok().contentType(JSON_LD).body(formats.altruismForm(choice));
            case FHIR -> ResponseEntity.ok().contentType(FHIR_JSON).body(FhirResponses.json(fhir,
                    ConsentAsFhir.toFhir(choice)));
            case JWS -> throw new IllegalStateException("answered above");
        };
    }
}
