package org.mydata.operator.programme;

import java.util.List;
import java.util.Map;

/**
 * An administrator's amendment of a programme's terms, before the operator has checked it. Every field but the
 * reason is optional: a field left null stays as it is. {@code texts} replaces the texts of the languages it names
 * and adds the languages the programme did not offer; the others stay. The legal basis is not amendable: a
 * programme that changes from consent to an opt-out basis is another programme.
 *
 * @param reason why the programme changes, in words its donors will read (required)
 */
public record NewAmendment(String reason, List<String> purposes, DataScope scope, List<String> accessModes,
                           List<String> promises, List<String> stewards, String termsUri, String termsVersion,
                           Map<String, ProgrammeTexts> texts) {
}
