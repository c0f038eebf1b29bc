package org.mydata.operator.verify.access;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.verify.json.JsonNumbers;

/**
 * An access event as its log entry states it: the reading side of consent-core's
 * {@code AccessLog.canonicalEntry}, which names this parser so the two cannot drift. The auditors and the FHIR view read entries only through {@link #parse}.
 *
 * <p>An event too large for one entry is logged as several, its chunks ({@link Chunk}, the {@code chunk} member);
 * each chunk reads as an access event of its own (the whole event's header, a part of its persons), and the full-log
 * audit checks that an event's chunks are all there, in a row, with one header.
 *
 * <p>The parser takes what the writer writes and nothing less: every member present with its type, ids as UUIDs,
 * counts as whole numbers, and {@code iat} as whole seconds since the epoch. An entry without a readable
 * {@code iat} is malformed, since the time is what its consents' validity is judged by. It never throws on bad
 * input: the input comes from a party an auditor does not trust, and a bad entry is a finding, not a crash.
 */
public record AccessEntry(UUID eventId, UUID permitId, String client, String interaction,
                          List<String> resourceTypes, long resourceCount, long personCount, List<UUID> consentIds,
                          List<PersonAccess> persons, Instant at, Chunk chunk) implements ReadAccessEntry {

    public static final String TYPE = "access-event";

    public AccessEntry {
        resourceTypes = List.copyOf(resourceTypes);
        consentIds = List.copyOf(consentIds);
        persons = List.copyOf(persons);
    }

    /** An event logged in one entry, as every event was before events could be chunked. */
    public AccessEntry(UUID eventId, UUID permitId, String client, String interaction, List<String> resourceTypes,
                       long resourceCount, long personCount, List<UUID> consentIds, List<PersonAccess> persons,
                       Instant at) {
        this(eventId, permitId, client, interaction, resourceTypes, resourceCount, personCount, consentIds, persons,
                at, null);
    }

    /**
     * Which part of its event an entry is, when the event was logged as several entries (its {@code chunk} member):
     * chunk {@code index} of {@code count}, counted from 0. The chunks of an event follow one another in the log;
     * each states the whole event's header ({@code resource_count} and {@code person_count} included) and names a
     * part of its persons and their consents.
     */
    public record Chunk(int index, int count) {
        public boolean last() {
            return index == count - 1;
        }
    }

    /**
     * Whether {@code other} states this entry's header: every member but its chunk's index, its persons and its
     * consents. The chunks of one event all do.
     */
    public boolean sameHeader(AccessEntry other) {
        return eventId.equals(other.eventId) && permitId.equals(other.permitId) && client.equals(other.client)
                && interaction.equals(other.interaction) && resourceTypes.equals(other.resourceTypes)
                && resourceCount == other.resourceCount && personCount == other.personCount && at.equals(other.at)
                && (chunk == null ? other.chunk == null : other.chunk != null && chunk.count == other.chunk.count);
    }

    /** The entry's bytes read as an access event, or what keeps them from being one. */
    public static ReadAccessEntry parse(byte[] entry) {
        if (entry == null) {
            return new Malformed(null, "its entry was erased, so what it relied on cannot be read");
        }
        Map<String, Object> json;
        try {
            json = JSONObjectUtils.parse(new String(entry, StandardCharsets.UTF_8));
        } catch (ParseException | RuntimeException e) {
            return new Malformed(null, "its entry is not a JSON object");
        }
        String eventId = json.get("event_id") instanceof String s ? s : null;
        try {
            if (!TYPE.equals(json.get("type"))) {
                throw new Bad("a JSON entry of type " + json.get("type") + ", not " + TYPE);
            }
            List<PersonAccess> persons = new ArrayList<>();
            for (Object p : list(json, "persons")) {
                if (!(p instanceof Map<?, ?> person)) {
                    throw new Bad("persons holds something that is not an object");
                }
                UUID account = uuid(person, "persons[].account_id");
                int count = (int) count(person, "persons[].resource_count", true);
                if (person.containsKey("consent_id") == person.containsKey("slr_id")) {
                    throw new Bad("a persons[] row names " + (person.containsKey("slr_id") ? "both" : "neither")
                            + " of consent_id (consent) and slr_id (opt-out basis)");
                }
                persons.add(person.containsKey("consent_id")
                        ? new PersonAccess(account, uuid(person, "persons[].consent_id"), count)
                        : PersonAccess.underOptOut(account, uuid(person, "persons[].slr_id"), count));
            }
            List<UUID> consentIds = new ArrayList<>();
            for (Object id : list(json, "consent_ids")) {
                consentIds.add(uuid(id, "consent_ids[]"));
            }
            List<String> types = new ArrayList<>();
            for (Object type : list(json, "resource_types")) {
                if (!(type instanceof String t)) {
                    throw new Bad("resource_types holds something that is not a string");
                }
                types.add(t);
            }
            Object iat = json.get("iat");
            if (iat == null) {
                throw new Bad("it has no iat, so its consents' validity cannot be judged");
            }
            Long seconds = JsonNumbers.wholeNumber(iat);
            if (seconds == null) {
                throw new Bad("its iat " + iat + " is not whole seconds since the epoch");
            }
            Chunk chunk = null;
            if (json.containsKey("chunk")) {
                if (!(json.get("chunk") instanceof Map<?, ?> part)) {
                    throw new Bad("its chunk is not an object");
                }
                int index = (int) count(part, "chunk.index", true);
                int total = (int) count(part, "chunk.count", true);
                if (total < 2 || index >= total) {
                    throw new Bad("its chunk " + index + " of " + total + " is not a part of an event in several "
                            + "entries");
                }
                chunk = new Chunk(index, total);
            }
            return new AccessEntry(uuid(json, "event_id"), uuid(json, "permit_id"), string(json, "client"),
                    string(json, "interaction"), types, count(json, "resource_count", false),
                    count(json, "person_count", false), consentIds, persons, Instant.ofEpochSecond(seconds), chunk);
        } catch (Bad bad) {
            return new Malformed(eventId, bad.getMessage());
        }
    }

    /** A problem with one member; caught in {@link #parse} and never seen outside. */
    private static final class Bad extends Exception {
        Bad(String message) {
            super(message, null, false, false);
        }
    }

    private static String name(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }

    private static String string(Map<?, ?> json, String path) throws Bad {
        if (json.get(name(path)) instanceof String s) {
            return s;
        }
        throw new Bad("its " + path + " is missing or not a string");
    }

    private static UUID uuid(Map<?, ?> json, String path) throws Bad {
        return uuid(json.get(name(path)), path);
    }

    private static UUID uuid(Object value, String path) throws Bad {
        if (value instanceof String s) {
            try {
                UUID id = UUID.fromString(s);
                if (id.toString().equals(s)) {
                    return id;
                }
            } catch (IllegalArgumentException e) {
                // reported below
            }
        }
        throw new Bad("its " + path + " " + value + " is not a UUID");
    }

    private static List<?> list(Map<?, ?> json, String path) throws Bad {
        if (json.get(name(path)) instanceof List<?> list) {
            return list;
        }
        throw new Bad("its " + path + " is missing or not an array");
    }

    private static long count(Map<?, ?> json, String path, boolean asInt) throws Bad {
        Long n = JsonNumbers.wholeNumber(json.get(name(path)));
        if (n == null || n < 0 || (asInt && n > Integer.MAX_VALUE)) {
            throw new Bad("its " + path + " is missing or not a count");
        }
        return n;
    }
}
