package org.mydata.operator.gateway.broker;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.hl7.fhir.r4.model.Resource;

/**
 * A researcher's search, split by where it is decided: ids, patients and dates are in pseudonymised,
 * shifted terms and so are judged by the gateway after pseudonymisation; code and category mean the same
 * upstream and are passed on (and judged again on what is released).
 *
 * @param ids pseudonymised logical ids to keep, or null for any
 * @param patients pseudonymised Patient ids whose data to keep, or null for anyone in the cohort
 * @param passThrough parameters for the source, each value as a FHIR query token
 * @param released what else a released (pseudonymised, shifted) resource must match, its shifted clinical date
 *     included, or null for anything
 */
record SearchCriteria(Set<String> ids, Set<String> patients, Map<String, List<String>> passThrough,
                      Predicate<Resource> released) {

    SearchCriteria(Set<String> ids, Set<String> patients, Map<String, List<String>> passThrough) {
        this(ids, patients, passThrough, null);
    }

    static SearchCriteria everything() {
        return new SearchCriteria(null, null, Map.of(), null);
    }
}
