package org.mydata.operator.source;

/** A source as an administrator registers it. */
public record NewSource(String name, String fhirBaseUrl, SourceAuth auth) {
}
