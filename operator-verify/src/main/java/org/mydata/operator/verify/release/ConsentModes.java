package org.mydata.operator.verify.release;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The access modes a consent allows, as its signed record states them in {@value #CLAIM}, and the rule that
 * relies on them. It lives in the auditor's module beside {@link ConsentInForce} so that the operator (through
 * consent-core's {@code ReleasePolicy}) and both auditors read a record's modes the very same way, legacy rule
 * included.
 *
 * <p>The legacy rule: a consent record without {@value #CLAIM} was signed before access modes existed, when the
 * only thing a researcher could receive was pseudonymised records; it keeps that access, and so statistics too
 * (records imply statistics, see {@link AccessMode}). docs/records.md says why.
 */
public final class ConsentModes {
    /** The consent record's claim: {@code ["statistics"]} or {@code ["statistics", "records"]}. */
    public static final String CLAIM = "access_modes";

    /** What a consent record without the claim allows. */
    public static final List<AccessMode> BEFORE_ACCESS_MODES = List.of(AccessMode.STATISTICS, AccessMode.RECORDS);

    private ConsentModes() {
    }

    /**
     * The modes in their one written form: in declaration order, without repeats, and with statistics whenever
     * records are there (a person who allows records allows statistics).
     */
    public static List<AccessMode> normalised(Collection<AccessMode> modes) {
        List<AccessMode> result = new ArrayList<>(2);
        for (AccessMode mode : AccessMode.values()) {
            if (mode.isAllowedBy(modes)) {
                result.add(mode);
            }
        }
        return List.copyOf(result);
    }

    /** The claim's value for these modes. */
    public static List<String> toClaim(Collection<AccessMode> modes) {
        return normalised(modes).stream().map(AccessMode::wireName).toList();
    }

    /**
     * What a consent record's claim allows: {@link #BEFORE_ACCESS_MODES} when absent (null), empty when it is not a
     * non-empty list of known mode names (an auditor reports that).
     */
    public static Optional<List<AccessMode>> fromClaim(Object claim) {
        if (claim == null) {
            return Optional.of(BEFORE_ACCESS_MODES);
        }
        if (!(claim instanceof List<?> names) || names.isEmpty()) {
            return Optional.empty();
        }
        List<AccessMode> modes = new ArrayList<>();
        for (Object name : names) {
            Optional<AccessMode> mode = AccessMode.fromWireName(String.valueOf(name));
            if (mode.isEmpty()) {
                return Optional.empty();
            }
            modes.add(mode.get());
        }
        return Optional.of(normalised(modes));
    }

    /** The mode an access event's {@code interaction} used: statistics for a statistical answer, else records. */
    public static AccessMode ofInteraction(String interaction) {
        return AccessMode.STATISTICS_INTERACTION.equals(interaction) ? AccessMode.STATISTICS : AccessMode.RECORDS;
    }

    /** Why a consent allowing {@code allowed} may not be relied on in mode {@code used}; empty when it may. */
    public static Optional<Refusal> whyNot(AccessMode used, Collection<AccessMode> allowed) {
        return used.isAllowedBy(allowed) ? Optional.empty() : Optional.of(Refusal.MODE_NOT_ALLOWED);
    }
}
