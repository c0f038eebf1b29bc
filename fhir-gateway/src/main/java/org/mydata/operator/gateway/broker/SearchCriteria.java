package org.mydata.operator.gateway.broker;

import ca.uhn.fhir.rest.param.DateRangeParam;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A researcher's search, split by where it is decided: ids, patients and dates are in pseudonymised,
 * shifted terms and so are judged by the gateway after pseudonymisation; code and category mean the same
 * upstream and are passed on.
 *
 * @param ids pseudonymised logical ids to keep, or null for any
 * @param patients pseudonymised Patient ids whose data to keep, or null for anyone in the cohort
 * @param passThrough parameters for the source, each value as a FHIR query token
 * @param date range on the resource's clinical date, after the shift, or null
 */
record SearchCriteria(Set<String> ids, Set<String> patients, Map<String, List<String>> passThrough,
                      DateRangeParam date) {

    static SearchCriteria everything() {
        return new SearchCriteria(null, null, Map.of(), null);
    }
}
