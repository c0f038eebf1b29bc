package org.mydata.operator.consent;

import java.net.URI;

/**
 * The terms a consent was given on: the programme's policy and its version, and the SHA-256 (base64url)
 * of the exact consent text the person was shown, as the MyData v2.0 consent proposal hash does.
 */
public record Terms(URI policyUri, String version, String shownTextSha256) {
}
