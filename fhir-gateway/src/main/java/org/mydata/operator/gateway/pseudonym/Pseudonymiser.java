package org.mydata.operator.gateway.pseudonym;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.Property;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.permit.Permits.PseudonymKey;

/**
 * Turns a source's resource into what a research project may see. Per permit:
 * <ul>
 *   <li>every logical id and every reference becomes {@code HMAC-SHA256(permit key, type|source|id)}, 128
 *       bits in hex: stable within the permit, unlinkable across permits, not reversible;</li>
 *   <li>direct identifiers go: Patient name, telecom, photo, contact, extensions, address except country;
 *       every resource's identifiers, narrative, notes and attachments (clinical notes name people);
 *       every reference's display text and identifier;</li>
 *   <li>every date, date-time and instant of a person's data moves by the same number of days, a per-person,
 *       per-permit offset in [-182, 182]: intervals within one person's record stay true, calendar dates do not.</li>
 * </ul>
 * One instance serves one permit's request or export and may be used from several threads at once (the broker
 * decides chunks in parallel); each resource it changes belongs to one thread.
 */
public final class Pseudonymiser {
    /** Elements never released, on any resource that has them. */
    private static final List<String> WITHHELD = List.of("identifier", "text", "note", "contained");
    /** And these, per type. */
    private static final Map<String, List<String>> WITHHELD_BY_TYPE = Map.of(
            "Patient", List.of("name", "telecom", "photo", "contact", "extension", "link"),
            "DiagnosticReport", List.of("presentedForm"),
            "DocumentReference", List.of("content"),
            "Media", List.of("content"));
    private static final int MAX_SHIFT_DAYS = 182;

    /** One per pseudonymiser: looking an HMAC up and keying it cost more than computing one. Guarded by itself. */
    private final Mac mac;

    public Pseudonymiser(PseudonymKey permitKey) {
        try {
            this.mac = Mac.getInstance("HmacSHA256");
            this.mac.init(new SecretKeySpec(permitKey.bytes(), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is missing from this JVM", e);
        }
    }

    /** The pseudonym of a source's logical id of the given type. */
    public String id(String resourceType, UUID sourceId, String sourceLogicalId) {
        byte[] mac = mac(resourceType + "|" + sourceId + "|" + sourceLogicalId);
        return HexFormat.of().formatHex(mac, 0, 16);
    }

    /** The person's date offset in days within this permit; never zero, so no date is released as it was. */
    public int dayShift(UUID accountId) {
        int raw = Math.floorMod(ByteBuffer.wrap(mac("date-shift|" + accountId)).getInt(), 2 * MAX_SHIFT_DAYS);
        return raw < MAX_SHIFT_DAYS ? raw - MAX_SHIFT_DAYS : raw - MAX_SHIFT_DAYS + 1;
    }

    /**
     * Pseudonymises the resource in place and returns it. The gateway owns every resource it read from a
     * source for the length of one request, so no copy is made.
     */
    public Resource apply(Resource resource, UUID sourceId, UUID accountId) {
        strip(resource, sourceId);
        scrub(resource, sourceId, dayShift(accountId));
        return resource;
    }

    /** The resource's own id pseudonymised; withheld elements, meta (but lastUpdated), narrative removed. */
    void strip(Resource resource, UUID sourceId) {
        String type = resource.fhirType();
        resource.setId(type + "/" + id(type, sourceId, resource.getIdElement().getIdPart()));
        withhold(resource, WITHHELD);
        withhold(resource, WITHHELD_BY_TYPE.getOrDefault(type, List.of()));
        resource.setMeta(resource.hasMeta() && resource.getMeta().hasLastUpdated()
                ? new org.hl7.fhir.r4.model.Meta().setLastUpdatedElement(resource.getMeta().getLastUpdatedElement().copy())
                : null);
        if (resource instanceof Patient patient) {
            List<Address> addresses = patient.getAddress().stream()
                    .filter(Address::hasCountry).map(a -> new Address().setCountry(a.getCountry())).toList();
            patient.setAddress(new ArrayList<>(addresses));
        }
        if (resource instanceof DomainResource domain) {
            domain.setText(null);
        }
    }

    /**
     * One walk over every element (extensions included) through the model's own generated
     * {@code children()}: references rewritten, identifiers emptied, dates shifted. It replaced three
     * reflective FhirTerser walks, which re-checked each subtree for emptiness at every level and were
     * most of the gateway's own CPU (docs/benchmarks.md). PseudonymiserTest holds it to the terser's
     * answer over the whole demo dataset.
     */
    void scrub(Base element, UUID sourceId, int shift) {
        if (element instanceof Reference reference) {
            rewrite(reference, sourceId);
        } else if (element instanceof Identifier identifier) {
            identifier.setValue(null).setSystem(null).setAssigner(null).setType(null);
        } else if (element instanceof BaseDateTimeType date) {
            if (date.getValue() != null) {
                date.add(Calendar.DATE, shift);
            }
        }
        // Most elements are primitives, whose only children are an element id and extensions.
        if (element instanceof PrimitiveType<?> primitive && !primitive.hasExtension()) {
            return;
        }
        for (Property child : element.children()) {
            if (child.hasValues()) {
                for (Base value : child.getValues()) {
                    if (value != null) {
                        scrub(value, sourceId, shift);
                    }
                }
            }
        }
    }

    private static void withhold(Resource resource, List<String> names) {
        for (String name : names) {
            Property property = resource.getNamedProperty(name);
            if (property != null) {
                for (Base value : List.copyOf(property.getValues())) {
                    resource.removeChild(name, value);
                }
            }
        }
    }

    private void rewrite(Reference reference, UUID sourceId) {
        String target = reference.getReference();
        reference.setDisplay(null);
        reference.setIdentifier(null);
        if (target == null) {
            return;
        }
        String[] parts = target.split("/");
        // Only relative Type/id references point into the source's own data; anything else (absolute URLs,
        // urn:uuid, contained #refs) could carry an outside identifier, so it is not released.
        if (parts.length == 2 && !target.contains(":") && !target.startsWith("#")) {
            reference.setReference(parts[0] + "/" + id(parts[0], sourceId, parts[1]));
        } else {
            reference.setReference(null);
        }
    }

    private byte[] mac(String input) {
        synchronized (mac) {
            return mac.doFinal(input.getBytes(StandardCharsets.UTF_8));
        }
    }
}
