package org.mydata.operator.verify.audit;

import com.nimbusds.jose.jwk.JWKSet;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mydata.operator.verify.signing.InvalidRecordException;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.RecordVerifier;
import org.mydata.operator.verify.signing.VerifiedRecord;

/**
 * Checks a statistical answer as its researcher received it (docs/records.md, "Statistical answer"), with the
 * operator's JWKS alone:
 * <ul>
 *   <li>{@code signature}: its {@code record} is a {@code statistics+jwt} that verifies against the JWKS;</li>
 *   <li>{@code content}: the record signs exactly this answer: its {@code answer} claim is the answer's columns,
 *   rows, suppressed count, protection and basis, value for value (numbers compared as numbers);</li>
 *   <li>{@code basis}: the record's permit and access event's log index are the answer's {@code basedOn}.</li>
 * </ul>
 * Whether the answer's access event is in the log, and relied on consents in force, is the full-log audit's to
 * check ({@link LogAudit}): the record names the event and its index.
 */
public final class StatisticVerifier {
    private StatisticVerifier() {
    }

    public static Report verify(JWKSet jwks, Map<String, Object> answer) {
        List<Check> checks = new ArrayList<>();
        String subject = "the statistical answer";
        if (!(answer.get("record") instanceof String record)) {
            checks.add(Check.fail("signature", "the answer carries no record"));
            return new Report(subject, checks);
        }
        VerifiedRecord verified;
        try {
            verified = new RecordVerifier(jwks).verify(record);
        } catch (InvalidRecordException e) {
            checks.add(Check.fail("signature", "its record does not verify: " + e.getMessage()));
            return new Report(subject, checks);
        }
        if (verified.type() != RecordType.STATISTICS_ANSWER) {
            checks.add(Check.fail("signature", "its record is a " + verified.type().mediaType() + ", not a "
                    + RecordType.STATISTICS_ANSWER.mediaType()));
            return new Report(subject, checks);
        }
        checks.add(Check.pass("signature", "its record is a " + verified.type().mediaType() + " signed with key "
                + verified.keyId()));
        Map<String, Object> content = new LinkedHashMap<>(answer);
        content.remove("record");
        Object signed = verified.claims().get("answer");
        String difference = difference("answer", signed, content);
        checks.add(difference == null
                ? Check.pass("content", "the record signs exactly this answer (" + sizeOf(content.get("rows"))
                        + " rows, " + content.get("suppressed") + " values suppressed)")
                : Check.fail("content", "the answer is not what its record signs: " + difference));
        Object basedOn = content.get("basedOn");
        Map<?, ?> basis = basedOn instanceof Map<?, ?> m ? m : Map.of();
        boolean samePermit = Objects.equals(basis.get("permitId"), verified.claims().get("permit_id"));
        boolean sameIndex = numbersEqual(basis.get("checkpoint"), verified.claims().get("event_log_index"));
        checks.add(samePermit && sameIndex
                ? Check.pass("basis", "answered under permit " + basis.get("permitId") + ", its access event at log "
                        + "index " + basis.get("checkpoint") + " (event " + verified.claims().get("event_id") + ")")
                : Check.fail("basis", "the answer's basedOn does not name the record's permit and access event"));
        return new Report(subject, checks);
    }

    private static int sizeOf(Object rows) {
        return rows instanceof List<?> list ? list.size() : 0;
    }

    /** Where two JSON values differ, or null when they are equal (numbers by value, 1 and 1.0 alike). */
    static String difference(String path, Object signed, Object given) {
        if (signed instanceof Number a && given instanceof Number b) {
            return numbersEqual(a, b) ? null : path + " is " + b + ", signed " + a;
        }
        if (signed instanceof Map<?, ?> a && given instanceof Map<?, ?> b) {
            if (!a.keySet().equals(b.keySet())) {
                return path + " has members " + b.keySet() + ", signed " + a.keySet();
            }
            for (Object key : a.keySet()) {
                String d = difference(path + "." + key, a.get(key), b.get(key));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (signed instanceof List<?> a && given instanceof List<?> b) {
            if (a.size() != b.size()) {
                return path + " has " + b.size() + " items, signed " + a.size();
            }
            for (int i = 0; i < a.size(); i++) {
                String d = difference(path + "[" + i + "]", a.get(i), b.get(i));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        return Objects.equals(signed, given) ? null : path + " is " + given + ", signed " + signed;
    }

    private static boolean numbersEqual(Object a, Object b) {
        if (!(a instanceof Number x) || !(b instanceof Number y)) {
            return false;
        }
        try {
            return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString())) == 0;
        } catch (NumberFormatException e) {
            return x.doubleValue() == y.doubleValue();
        }
    }
}
