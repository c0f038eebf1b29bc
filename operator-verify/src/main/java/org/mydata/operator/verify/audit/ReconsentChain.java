package org.mydata.operator.verify.audit;

import com.nimbusds.jose.jwk.JWKSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mydata.operator.verify.consent.RecordHash;
import org.mydata.operator.verify.signing.RecordType;
import org.mydata.operator.verify.signing.RecordVerifier;

/**
 * Checks a re-consent chain (amend, docs/amendments.md) with nothing but the operator's JWKS: the consent records
 * of one person's consents to one programme, each replacing the one before when its person accepted a new version
 * of the programme's terms, with their status records and the programme's amendment records. It answers "did this
 * person agree to the terms their consent now names, and does the history hold together?":
 *
 * <ul>
 * <li>{@code signature}: every record verifies against the JWKS and is a consent, status or amendment record;</li>
 * <li>{@code amendments}: the programme's amendment records follow each other: version {@code n} names
 * {@code prev_version} {@code n-1} and the terms hash of version {@code n-1}'s record as its
 * {@code prev_terms_sha256};</li>
 * <li>{@code version}: every consent record on a version above 1 names the terms hash the amendment record of that
 * version signed ({@code programme_terms_sha256});</li>
 * <li>{@code replaces}: a consent record that replaces another names it by id and by the hash of its record, is the
 * same person's and the same programme's, and is on a later version than the one it replaces, whose version it
 * states; the replaced consent's chain ends with the withdrawal the new record names by hash, made by the person;</li>
 * <li>{@code chain}: each consent's status records link by {@code prev_csr_hash}, the first to none.</li>
 * </ul>
 */
public final class ReconsentChain {
    private ReconsentChain() {
    }

    public static Report verify(JWKSet jwks, List<String> records) {
        RecordVerifier verifier = new RecordVerifier(jwks);
        List<Check> checks = new ArrayList<>();
        Map<String, ReadRecord> consents = new LinkedHashMap<>();
        Map<String, List<ReadRecord>> statuses = new HashMap<>();
        Map<String, ReadRecord> statusesByHash = new HashMap<>();
        Map<String, Map<Long, ReadRecord>> amendments = new LinkedHashMap<>();
        for (String jws : records) {
            ReadRecord record = ReadRecord.read(verifier, jws);
            RecordType type = RecordType.fromMediaType(record.typ()).orElse(null);
            String label = (type == null ? "record" : type.mediaType().replace("+jwt", "")) + " "
                    + firstNonNull(record.string("cr_id"), record.string("csr_id"), record.string("amendment_id"));
            if (!record.signed()) {
                checks.add(Check.fail("signature", label + ": " + record.signatureError()));
                continue;
            }
            if (type == RecordType.CONSENT) {
                consents.put(record.string("cr_id"), record);
            } else if (type == RecordType.CONSENT_STATUS) {
                statuses.computeIfAbsent(record.string("cr_id"), k -> new ArrayList<>()).add(record);
                statusesByHash.put(RecordHash.sha256(jws), record);
            } else if (type == RecordType.PROGRAMME_AMENDMENT) {
                Long version = record.wholeNumber("version");
                amendments.computeIfAbsent(record.string("programme_id"), k -> new HashMap<>())
                        .put(version == null ? -1 : version, record);
            } else {
                checks.add(Check.fail("signature", label + ": not a record of a re-consent chain"));
                continue;
            }
            checks.add(Check.pass("signature", label + " verifies with key " + record.kid()));
        }
        amendments.forEach((programme, byVersion) -> amendmentChain(programme, byVersion, checks));
        for (ReadRecord cr : consents.values()) {
            String label = "consent " + cr.string("cr_id");
            Long version = cr.wholeNumber("programme_version");
            if (version != null && version > 1) {
                ReadRecord amendment = amendments.getOrDefault(cr.string("programme_id"), Map.of()).get(version);
                if (amendment == null) {
                    checks.add(Check.fail("version", label + " is on version " + version + ", whose amendment record "
                            + "is not in the chain"));
                } else if (!Objects.equals(amendment.string("terms_sha256"), cr.string("programme_terms_sha256"))) {
                    checks.add(Check.fail("version", label + " names terms " + cr.string("programme_terms_sha256")
                            + ", version " + version + " signed terms " + amendment.string("terms_sha256")));
                } else {
                    checks.add(Check.pass("version", label + " is on version " + version + " as its amendment record "
                            + "signed it"));
                }
            }
            if (cr.claims().get("replaces") instanceof Map<?, ?> replaces) {
                replaces(cr, label, replaces, consents, statusesByHash, checks);
            }
        }
        statuses.forEach((crId, chain) -> statusChain(crId, chain, checks));
        return new Report("re-consent chain of " + consents.size() + " consent record(s)", checks);
    }

    private static void amendmentChain(String programme, Map<Long, ReadRecord> byVersion, List<Check> checks) {
        List<Long> versions = byVersion.keySet().stream().sorted().toList();
        for (Long version : versions) {
            ReadRecord record = byVersion.get(version);
            String label = "amendment of programme " + programme + " to version " + version;
            Long previous = record.wholeNumber("prev_version");
            List<String> problems = new ArrayList<>();
            if (version < 2 || previous == null || previous != version - 1) {
                problems.add("it names version " + version + " after " + previous + ", not the next version");
            }
            ReadRecord before = byVersion.get(version - 1);
            if (before != null && !Objects.equals(before.string("terms_sha256"), record.string("prev_terms_sha256"))) {
                problems.add("it amends terms " + record.string("prev_terms_sha256") + ", version " + (version - 1)
                        + " signed terms " + before.string("terms_sha256"));
            }
            if (record.string("reason") == null || record.string("amended_by") == null) {
                problems.add("it names no reason or no administrator");
            }
            checks.add(problems.isEmpty() ? Check.pass("amendments", label + " follows version " + previous)
                    : Check.fail("amendments", label + ": " + String.join("; ", problems)));
        }
    }

    private static void replaces(ReadRecord cr, String label, Map<?, ?> replaces, Map<String, ReadRecord> consents,
                                 Map<String, ReadRecord> statusesByHash, List<Check> checks) {
        String oldId = String.valueOf(replaces.get("cr_id"));
        ReadRecord old = consents.get(oldId);
        List<String> problems = new ArrayList<>();
        if (old == null) {
            checks.add(Check.fail("replaces", label + " replaces consent " + oldId + ", which is not in the chain"));
            return;
        }
        if (!Objects.equals(RecordHash.sha256(old.jws()), replaces.get("cr_sha256"))) {
            problems.add("the hash it names is not that of consent " + oldId + "'s record");
        }
        if (!Objects.equals(old.string("account_id"), cr.string("account_id"))
                || !Objects.equals(old.string("programme_id"), cr.string("programme_id"))) {
            problems.add("consent " + oldId + " is another person's or another programme's");
        }
        long oldVersion = old.wholeNumber("programme_version") == null ? 1 : old.wholeNumber("programme_version");
        Long newVersion = cr.wholeNumber("programme_version");
        Object stated = replaces.get("programme_version");
        if (!(stated instanceof Number n) || n.longValue() != oldVersion) {
            problems.add("it states the replaced version as " + stated + ", consent " + oldId + " is on version "
                    + oldVersion);
        }
        if (newVersion == null || newVersion <= oldVersion) {
            problems.add("it is on version " + newVersion + ", not later than version " + oldVersion);
        }
        ReadRecord closing = statusesByHash.get(String.valueOf(replaces.get("closing_csr_sha256")));
        if (closing == null) {
            problems.add("the withdrawal it names is not in the chain");
        } else if (!oldId.equals(closing.string("cr_id")) || !"withdrawn".equals(closing.string("status"))
                || !"person".equals(closing.string("changed_by"))) {
            problems.add("the status record it names is not consent " + oldId + "'s withdrawal by its person");
        }
        checks.add(problems.isEmpty()
                ? Check.pass("replaces", label + " (version " + newVersion + ") replaces consent " + oldId
                + " (version " + oldVersion + "), whose chain ends with the person's withdrawal naming it")
                : Check.fail("replaces", label + ": " + String.join("; ", problems)));
    }

    private static void statusChain(String crId, List<ReadRecord> chain, List<Check> checks) {
        List<ReadRecord> ordered = new ArrayList<>(chain);
        ordered.sort(Comparator.comparing(r -> r.wholeNumber("log_index") == null ? Long.MAX_VALUE
                : r.wholeNumber("log_index")));
        String previous = null;
        for (ReadRecord record : ordered) {
            if (!Objects.equals(previous, record.string("prev_csr_hash"))) {
                checks.add(Check.fail("chain", "consent " + crId + ": status record " + record.string("csr_id")
                        + " does not link to the one before it"));
                return;
            }
            previous = RecordHash.sha256(record.jws());
        }
        checks.add(Check.pass("chain", "consent " + crId + ": " + ordered.size() + " status record(s) in one chain"));
    }

    private static String firstNonNull(String... values) {
        for (String value : values) {
            if (value != null) {
                return value;
            }
        }
        return "";
    }
}
