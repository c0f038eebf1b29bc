package org.mydata.operator.formats.fhir;

import org.hl7.fhir.r4.model.ResourceType;

/**
 * FHIR R4's resource type names, as HAPI knows them. A package of its own, with nothing of the operator's in
 * it, so that the programme's data scope can check its types without depending on the formats that write
 * programmes out (HAPI stays inside the formats packages).
 */
public final class R4ResourceTypes {
    private R4ResourceTypes() {
    }

    /** True when {@code type} names an R4 resource type ("Observation", "Patient", ...). */
    public static boolean isResourceType(String type) {
        try {
            ResourceType.fromCode(type);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
