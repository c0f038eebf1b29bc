package org.mydata.operator.consent;

import java.net.URI;

/**
 * The terms a consent was given on: the programme's policy and its version, the SHA-256 (base64url) of the exact
 * consent text the person was shown, as the MyData v2.0 consent proposal hash does, and the language of that text
 * (BCP 47: {@code en}, {@code fi}, {@code sv}). A consent signed before records stated a language was shown the
 * English text: its language reads {@code en}, and its hash is checked against its stored text as ever.
 */
public record Terms(URI policyUri, String version, String shownTextSha256, String language) {
    public Terms {
        language = language == null ? "en" : language;
    }

    /** Terms of a text shown in English. */
    public Terms(URI policyUri, String version, String shownTextSha256) {
        this(policyUri, version, shownTextSha256, null);
    }
}
