package org.mydata.operator.verify.audit;

import com.nimbusds.jose.util.JSONArrayUtils;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.verify.log.Checkpoint;
import org.mydata.operator.verify.log.ConsistencyProof;
import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.LogEntry;
import org.mydata.operator.verify.json.JsonNumbers;

/**
 * The wire form of audit data, written and read in one place so that what the operator serves and what
 * the {@code verify} command reads cannot drift apart. JSON goes through Nimbus's JSON utilities, the
 * core's one codec (consent-core's {@code Json}). Field names are snake_case as in the
 * records and in the RFC 9162 proof responses; bytes are standard base64.
 *
 * <pre>
 * bundle:     {consent_id | inclusion: {account_id, programme_id}, checkpoint, records: [{kind, log_index, jws, audit_path}],
 *              access_events: [{log_index, entry, audit_path}]}     (leaf_hash instead of entry when erased;
 *                  in a person's own bundle, leaf_hash and withheld: {event_id, permit_id, interaction,
 *                  resource_types, iat, persons: [their own rows]} when the entry names other persons too)
 * checkpoint: {tree_size, root_hash, iat (ISO-8601), jws}           as GET /api/v1/audit/checkpoint
 * consistency proof: {first, second, consistency: [...]}            as GET /api/v1/audit/proofs/consistency
 * entries:    [{index, entry, leaf_hash}]                           as GET /api/v1/audit/entries
 * </pre>
 *
 * Readers are strict about types and say where a value is wrong, because the input comes from a party
 * the auditor does not trust; absent optional members and JSON nulls mean the same.
 */
public final class AuditJson {
    private AuditJson() {
    }

    // ---- writing -----------------------------------------------------------------------------------

    public static Map<String, Object> toJson(AuditBundle bundle) {
        Map<String, Object> json = new LinkedHashMap<>();
        if (bundle.consentId() != null) {
            json.put("consent_id", bundle.consentId());
        } else {
            Map<String, Object> inclusion = new LinkedHashMap<>();
            inclusion.put("account_id", bundle.inclusion().accountId());
            inclusion.put("programme_id", bundle.inclusion().programmeId());
            json.put("inclusion", inclusion);
        }
        json.put("checkpoint", toJson(bundle.checkpoint()));
        List<Object> records = new ArrayList<>();
        for (AuditBundle.Item item : bundle.records()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("kind", item.kind().wire());
            putIfPresent(r, "log_index", item.logIndex());
            r.put("jws", item.jws());
            putIfPresent(r, "audit_path", item.auditPath() == null ? null : base64(item.auditPath()));
            records.add(r);
        }
        json.put("records", records);
        List<Object> events = new ArrayList<>();
        for (AuditBundle.AccessEventItem event : bundle.accessEvents()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("log_index", event.logIndex());
            if (event.entry() != null) {
                e.put("entry", Base64.getEncoder().encodeToString(event.entry()));
            } else {
                e.put("leaf_hash", event.leafHash().base64());
            }
            if (event.withheld() != null) {
                e.put("withheld", toJson(event.withheld()));
            }
            putIfPresent(e, "audit_path", event.auditPath() == null ? null : base64(event.auditPath()));
            events.add(e);
        }
        json.put("access_events", events);
        return json;
    }

    private static Map<String, Object> toJson(AuditBundle.Withheld withheld) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("event_id", withheld.eventId().toString());
        putIfPresent(json, "permit_id", withheld.permitId() == null ? null : withheld.permitId().toString());
        putIfPresent(json, "interaction", withheld.interaction());
        json.put("resource_types", withheld.resourceTypes());
        putIfPresent(json, "iat", withheld.at() == null ? null : withheld.at().getEpochSecond());
        json.put("persons", withheld.own().stream().map(PersonAccess::toJson).toList());
        return json;
    }

    /** A checkpoint as {@code GET /api/v1/audit/checkpoint} serves it. */
    public static Map<String, Object> toJson(Checkpoint checkpoint) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("tree_size", checkpoint.treeSize());
        json.put("root_hash", checkpoint.rootHash().base64());
        json.put("iat", checkpoint.issuedAt().toString());
        json.put("jws", checkpoint.jws());
        return json;
    }

    public static String write(Map<String, ?> json) {
        return JSONObjectUtils.toJSONString(json);
    }

    // ---- reading -----------------------------------------------------------------------------------

    public static Map<String, Object> parseObject(String json, String what) throws MalformedAuditDataException {
        try {
            return JSONObjectUtils.parse(json);
        } catch (ParseException e) {
            throw new MalformedAuditDataException(what + " is not a JSON object: " + e.getMessage(), e);
        }
    }

    public static List<Object> parseArray(String json, String what) throws MalformedAuditDataException {
        try {
            return JSONArrayUtils.parse(json);
        } catch (ParseException e) {
            throw new MalformedAuditDataException(what + " is not a JSON array: " + e.getMessage(), e);
        }
    }

    public static AuditBundle bundle(Map<String, Object> json) throws MalformedAuditDataException {
        String consentId = json.get("inclusion") != null ? null : string(json, "consent_id", "bundle");
        AuditBundle.Inclusion inclusion = null;
        if (consentId == null) {
            Map<String, Object> subject = object(json, "inclusion", "bundle");
            inclusion = new AuditBundle.Inclusion(string(subject, "account_id", "bundle.inclusion"),
                    string(subject, "programme_id", "bundle.inclusion"));
        }
        Checkpoint checkpoint = checkpoint(object(json, "checkpoint", "bundle"), "bundle.checkpoint");
        List<AuditBundle.Item> records = new ArrayList<>();
        List<Object> rawRecords = array(json, "records", "bundle");
        for (int i = 0; i < rawRecords.size(); i++) {
            String at = "bundle.records[" + i + "]";
            Map<String, Object> r = object(rawRecords.get(i), at);
            String kind = string(r, "kind", at);
            records.add(new AuditBundle.Item(AuditBundle.Kind.fromWire(kind).orElseThrow(() ->
                    new MalformedAuditDataException(at + ".kind '" + kind + "' is none of cr, csr, slr, slr-removal, permit, permit-revocation, opt-out")),
                    optionalWholeNumber(r, "log_index", at), string(r, "jws", at),
                    optionalHashes(r, "audit_path", at)));
        }
        List<AuditBundle.AccessEventItem> events = new ArrayList<>();
        List<Object> rawEvents = array(json, "access_events", "bundle");
        for (int i = 0; i < rawEvents.size(); i++) {
            String at = "bundle.access_events[" + i + "]";
            Map<String, Object> e = object(rawEvents.get(i), at);
            Long index = optionalWholeNumber(e, "log_index", at);
            if (index == null) {
                throw new MalformedAuditDataException(at + " has no log_index");
            }
            byte[] entry = e.get("entry") == null ? null : base64(string(e, "entry", at), at + ".entry");
            Hash leafHash = e.get("leaf_hash") == null ? null : hash(string(e, "leaf_hash", at), at + ".leaf_hash");
            if (entry == null && leafHash == null) {
                throw new MalformedAuditDataException(at + " has neither an entry nor, for an erased one, a leaf_hash");
            }
            AuditBundle.Withheld withheld = e.get("withheld") == null ? null
                    : withheld(object(e, "withheld", at), at + ".withheld");
            if (withheld != null && (entry != null || leafHash == null)) {
                throw new MalformedAuditDataException(at + " is withheld, so it has a leaf_hash and no entry");
            }
            events.add(new AuditBundle.AccessEventItem(index, entry, leafHash, optionalHashes(e, "audit_path", at),
                    withheld));
        }
        return new AuditBundle(consentId, inclusion, checkpoint, records, events);
    }

    /** What a person's bundle says of a withheld access event; stated by the operator, so only read, not trusted. */
    private static AuditBundle.Withheld withheld(Map<String, Object> json, String at) throws MalformedAuditDataException {
        List<String> types = new ArrayList<>();
        for (Object type : array(json, "resource_types", at)) {
            if (!(type instanceof String t)) {
                throw new MalformedAuditDataException(at + ".resource_types holds something that is not a string");
            }
            types.add(t);
        }
        List<PersonAccess> own = new ArrayList<>();
        List<Object> persons = array(json, "persons", at);
        for (int i = 0; i < persons.size(); i++) {
            String pat = at + ".persons[" + i + "]";
            Map<String, Object> p = object(persons.get(i), pat);
            Long count = optionalWholeNumber(p, "resource_count", pat);
            UUID account = uuid(string(p, "account_id", pat), pat + ".account_id");
            int n = count == null ? 0 : count.intValue();
            own.add(p.get("slr_id") != null && p.get("consent_id") == null
                    ? PersonAccess.underOptOut(account, uuid(string(p, "slr_id", pat), pat + ".slr_id"), n)
                    : new PersonAccess(account, uuid(string(p, "consent_id", pat), pat + ".consent_id"), n));
        }
        Long iat = optionalWholeNumber(json, "iat", at);
        String permit = json.get("permit_id") == null ? null : string(json, "permit_id", at);
        return new AuditBundle.Withheld(uuid(string(json, "event_id", at), at + ".event_id"),
                permit == null ? null : uuid(permit, at + ".permit_id"),
                json.get("interaction") == null ? null : string(json, "interaction", at), types,
                iat == null ? null : Instant.ofEpochSecond(iat), own);
    }

    private static UUID uuid(String text, String at) throws MalformedAuditDataException {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw new MalformedAuditDataException(at + " is not a UUID");
        }
    }

    /**
     * A checkpoint as stated: {@code tree_size}, {@code root_hash}, {@code iat} and {@code jws}. Nothing here
     * is verified; the verifiers check the JWS and that the stated values are the signed ones. {@code iat}
     * is ISO-8601 as the API writes it; seconds since the epoch, as inside the JWS, are read too.
     */
    public static Checkpoint checkpoint(Map<String, Object> json, String what) throws MalformedAuditDataException {
        Long size = optionalWholeNumber(json, "tree_size", what);
        if (size == null || size < 0) {
            throw new MalformedAuditDataException(what + ".tree_size is missing or negative");
        }
        Hash root = hash(string(json, "root_hash", what), what + ".root_hash");
        Object iat = json.get("iat");
        Instant issuedAt;
        if (iat instanceof String text) {
            try {
                issuedAt = Instant.parse(text);
            } catch (DateTimeParseException e) {
                throw new MalformedAuditDataException(what + ".iat is not an ISO-8601 instant", e);
            }
        } else if (iat instanceof Number) {
            issuedAt = Instant.ofEpochSecond(optionalWholeNumber(json, "iat", what));
        } else {
            throw new MalformedAuditDataException(what + ".iat is missing");
        }
        return new Checkpoint(size, root, issuedAt, string(json, "jws", what));
    }

    public static ConsistencyProof consistencyProof(Map<String, Object> json, String what)
            throws MalformedAuditDataException {
        Long first = optionalWholeNumber(json, "first", what);
        Long second = optionalWholeNumber(json, "second", what);
        if (first == null || second == null || first < 0 || second < first) {
            throw new MalformedAuditDataException(what + " needs whole numbers first <= second");
        }
        List<Hash> proof = optionalHashes(json, "consistency", what);
        if (proof == null) {
            throw new MalformedAuditDataException(what + ".consistency is missing");
        }
        return new ConsistencyProof(first, second, proof);
    }

    /** One page of {@code GET /api/v1/audit/entries}. */
    public static List<LogEntry> entries(List<Object> page, String what) throws MalformedAuditDataException {
        List<LogEntry> entries = new ArrayList<>(page.size());
        for (int i = 0; i < page.size(); i++) {
            String at = what + "[" + i + "]";
            Map<String, Object> e = object(page.get(i), at);
            Long index = optionalWholeNumber(e, "index", at);
            if (index == null || index < 0) {
                throw new MalformedAuditDataException(at + ".index is missing or negative");
            }
            byte[] bytes = e.get("entry") == null ? null : base64(string(e, "entry", at), at + ".entry");
            entries.add(new LogEntry(index, bytes, hash(string(e, "leaf_hash", at), at + ".leaf_hash")));
        }
        return entries;
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private static void putIfPresent(Map<String, Object> json, String name, Object value) {
        if (value != null) {
            json.put(name, value);
        }
    }

    private static List<String> base64(List<Hash> hashes) {
        return hashes.stream().map(Hash::base64).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value, String at) throws MalformedAuditDataException {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new MalformedAuditDataException(at + " is not a JSON object");
    }

    private static Map<String, Object> object(Map<String, Object> json, String name, String at)
            throws MalformedAuditDataException {
        return object(json.get(name), at + "." + name);
    }

    private static List<Object> array(Map<String, Object> json, String name, String at)
            throws MalformedAuditDataException {
        if (json.get(name) instanceof List<?> list) {
            return new ArrayList<>(list);
        }
        throw new MalformedAuditDataException(at + "." + name + " is not a JSON array");
    }

    private static String string(Map<String, Object> json, String name, String at) throws MalformedAuditDataException {
        if (json.get(name) instanceof String s) {
            return s;
        }
        throw new MalformedAuditDataException(at + "." + name + " is not a string");
    }

    private static Long optionalWholeNumber(Map<String, Object> json, String name, String at)
            throws MalformedAuditDataException {
        Object value = json.get(name);
        Long number = JsonNumbers.wholeNumber(value);
        if (value != null && number == null) {
            throw new MalformedAuditDataException(at + "." + name + " is not a whole number");
        }
        return number;
    }

    private static List<Hash> optionalHashes(Map<String, Object> json, String name, String at)
            throws MalformedAuditDataException {
        if (json.get(name) == null) {
            return null;
        }
        List<Object> raw = array(json, name, at);
        List<Hash> hashes = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            String where = at + "." + name + "[" + i + "]";
            if (!(raw.get(i) instanceof String s)) {
                throw new MalformedAuditDataException(where + " is not a string");
            }
            hashes.add(hash(s, where));
        }
        return hashes;
    }

    private static Hash hash(String base64, String at) throws MalformedAuditDataException {
        try {
            return Hash.fromBase64(base64);
        } catch (IllegalArgumentException e) {
            throw new MalformedAuditDataException(at + " is not a base64 SHA-256 hash");
        }
    }

    private static byte[] base64(String text, String at) throws MalformedAuditDataException {
        try {
            return Base64.getDecoder().decode(text.getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new MalformedAuditDataException(at + " is not standard base64");
        }
    }
}
