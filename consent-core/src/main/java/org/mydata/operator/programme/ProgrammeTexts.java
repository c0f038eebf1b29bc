package org.mydata.operator.programme;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A programme's own words in one language: its name, what it does, and who runs it. The consent text and the
 * objection notice a person signs are made of these and of the operator's fixed sentences ({@link Language}).
 */
public record ProgrammeTexts(String name, String description, String organisation) {

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", name);
        json.put("description", description);
        json.put("organisation", organisation);
        return json;
    }

    static ProgrammeTexts fromJson(Map<String, Object> json) {
        return new ProgrammeTexts((String) json.get("name"), (String) json.get("description"),
                (String) json.get("organisation"));
    }
}
