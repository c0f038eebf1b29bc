package org.mydata.operator.permit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.mydata.operator.permit.Permits.PseudonymKey;

/**
 * The one place a permit's pseudonyms are computed: {@code HMAC-SHA256(permit key, ...)}, 128 bits in hex. The
 * gateway's de-identification names a person's Patient with {@link #person}, and the notifications that tell a
 * permit holder about a person name them with the very same function, so a holder can find whom an event is
 * about among the data it read. Thread-safe: one keyed MAC, guarded by itself (keying one costs more than a
 * MAC).
 */
public final class PermitPseudonyms {
    private static final int MAX_SHIFT_DAYS = 182;

    private final Mac mac;

    public PermitPseudonyms(PseudonymKey key) {
        try {
            this.mac = Mac.getInstance("HmacSHA256");
            this.mac.init(new SecretKeySpec(key.bytes(), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is missing from this JVM", e);
        }
    }

    /** The id of the person's one Patient in this permit, {@code HMAC(key, person|account)}. */
    public String person(UUID accountId) {
        return HexFormat.of().formatHex(mac("person|" + accountId), 0, 16);
    }

    /** The pseudonym of a source's logical id of the given type, {@code HMAC(key, type|source|id)}. */
    public String id(String resourceType, UUID sourceId, String sourceLogicalId) {
        return HexFormat.of().formatHex(mac(resourceType + "|" + sourceId + "|" + sourceLogicalId), 0, 16);
    }

    /** The person's date offset in days within this permit, in [-182, 182] and never zero. */
    public int dayShift(UUID accountId) {
        int raw = Math.floorMod(ByteBuffer.wrap(mac("date-shift|" + accountId)).getInt(), 2 * MAX_SHIFT_DAYS);
        return raw < MAX_SHIFT_DAYS ? raw - MAX_SHIFT_DAYS : raw - MAX_SHIFT_DAYS + 1;
    }

    /**
     * The time-of-day part of the person's date offset within this permit, in seconds, in [1, 86399]: added to
     * the day shift, it moves every time of the person's record by an amount no other permit shares, so the
     * times of day of two permits' releases do not match (a whole-day shift would keep them as a fingerprint).
     */
    public int secondShift(UUID accountId) {
        return 1 + Math.floorMod(ByteBuffer.wrap(mac("time-shift|" + accountId)).getInt(), 86_399);
    }

    /**
     * A keyed tag of one day of the person's true record ({@code HMAC(key, day|account|date)}): what the
     * release plan keeps of a birth or death day, so the gateway can tell an event on that day without the plan
     * holding the date itself.
     */
    public String dayTag(UUID accountId, java.time.LocalDate day) {
        return HexFormat.of().formatHex(mac("day|" + accountId + "|" + day), 0, 8);
    }

    private byte[] mac(String input) {
        synchronized (mac) {
            return mac.doFinal(input.getBytes(StandardCharsets.UTF_8));
        }
    }
}
