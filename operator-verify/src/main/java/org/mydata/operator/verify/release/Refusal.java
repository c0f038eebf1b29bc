package org.mydata.operator.verify.release;

/** Why something may not leave. Each names one rule of consent-core's {@code ReleasePolicy} (or of {@link ConsentInForce}, {@link TermsOfUse} or {@link OptOutInclusion}), so tests and logs can name it. */
public enum Refusal {
    PERMIT_REVOKED("the permit was revoked"),
    PERMIT_NOT_YET_VALID("the permit's validity had not begun"),
    PERMIT_EXPIRED("the permit's validity had ended"),
    TYPE_OUTSIDE_PERMIT("the permit does not cover the resource type"),
    UNDATED_UNDER_PERMIT_PERIOD("the resource has no clinical day to judge the permit's data period by"),
    DAY_OUTSIDE_PERMIT_PERIOD("the resource's clinical day lies outside the permit's data period"),
    NO_CONSENT("no consent of the person's is relied on for this permit"),
    NO_STATUS("no status of the consent was in force"),
    PAUSED("the consent was paused"),
    WITHDRAWN("the consent was withdrawn"),
    CONSENT_NOT_YET_VALID("the consent's validity had not begun"),
    CONSENT_EXPIRED("the consent's validity had ended"),
    NO_LIVE_LINK("none of the consent's service links was live"),
    PURPOSE_NOT_COVERED("the consent's purposes do not cover the permit's"),
    TYPE_OUTSIDE_CONSENT("the consent does not cover the resource type"),
    UNDATED_UNDER_CONSENT_PERIOD("the resource has no clinical day to judge the consent's data period by"),
    DAY_OUTSIDE_CONSENT_PERIOD("the resource's clinical day lies outside the consent's data period"),
    NO_COMMON_PERIOD("the consent's data period and the permit's have no day in common"),
    BASIS_MISMATCH("the permit's programme does not rest on the legal basis relied on"),
    OPTED_OUT("the person had opted out of the programme"),
    NOT_LINKED("the person had no live service link to a source of the programme"),
    MODE_NOT_ALLOWED("the consent does not allow the permit's access mode (a statistics-only consent releases no "
            + "records)"),
    /** amend: a narrowing amendment of the permit's programme took away a purpose, mode or period the permit asks. */
    NARROWED_BY_AMENDMENT("an amendment of the programme narrowed its terms below what the permit asks"),
    // repr: coming of age
    AWAITING_OWN_DECISION("a guardian gave the consent for a minor who has come of age, and the grace period for "
            + "their own decision has passed without one"),
    /**
     * permitver: the permit was issued under a version of the programme that an amendment widened after the
     * consent's version, in what a release does not intersect (stewards, promises, texts, Observation categories;
     * see {@link ProgrammeVersions}), and the person has not accepted that version.
     */
    WIDENING_NOT_ACCEPTED("the permit was issued under a later version of the programme whose widened terms the "
            + "consent's person has not accepted");

    private final String text;

    Refusal(String text) {
        this.text = text;
    }

    /** The rule in words, for reports. */
    public String text() {
        return text;
    }
}
