package org.mydata.operator.export;

/** Why an export ended without a result: the HTTP status its status URL answers with, and what to tell the client. */
public record ExportFailure(int status, String message) {
}
