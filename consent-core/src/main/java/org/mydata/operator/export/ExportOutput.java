package org.mydata.operator.export;

/** One NDJSON file of a completed export: its resource type and how many lines it had when written. */
public record ExportOutput(String type, long count) {
}
