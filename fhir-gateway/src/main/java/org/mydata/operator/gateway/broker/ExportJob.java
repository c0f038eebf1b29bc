package org.mydata.operator.gateway.broker;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Future;

/**
 * One bulk export: bound to its permit and researcher from the start, held in memory by the node that
 * runs it, with its files in its own directory on that node's disk.
 */
final class ExportJob {
    enum State { RUNNING, COMPLETED, FAILED }

    /** One NDJSON file of the result: its type, its name in the job's directory, and its lines when written. */
    record Output(String type, String file, long count) {
    }

    /** Why a job ended without a result: the HTTP status its status URL answers with, and what to tell the client. */
    record Failure(int status, String message) {
    }

    private final UUID id;
    private final UUID permitId;
    private final String researcher;
    private final String request;
    private final Instant transactionTime;
    private final List<String> types;
    private final Path directory;
    private volatile State state = State.RUNNING;
    private volatile String progress = "queued";
    private volatile List<Output> outputs = List.of();
    private volatile Failure failure;
    private volatile Instant finishedAt;
    private volatile boolean deleted;
    private volatile Future<?> future;

    ExportJob(UUID id, UUID permitId, String researcher, String request, Instant transactionTime, List<String> types,
              Path directory) {
        this.id = id;
        this.permitId = permitId;
        this.researcher = researcher;
        this.request = request;
        this.transactionTime = transactionTime;
        this.types = List.copyOf(types);
        this.directory = directory;
    }

    UUID id() {
        return id;
    }

    UUID permitId() {
        return permitId;
    }

    String researcher() {
        return researcher;
    }

    /** The kick-off request's URL, for the manifest. */
    String request() {
        return request;
    }

    Instant transactionTime() {
        return transactionTime;
    }

    List<String> types() {
        return types;
    }

    Path directory() {
        return directory;
    }

    State state() {
        return state;
    }

    String progress() {
        return progress;
    }

    List<Output> outputs() {
        return outputs;
    }

    Failure failure() {
        return failure;
    }

    Instant finishedAt() {
        return finishedAt;
    }

    boolean deleted() {
        return deleted;
    }

    Optional<Output> output(String file) {
        return state == State.COMPLETED ? outputs.stream().filter(o -> o.file().equals(file)).findFirst()
                : Optional.empty();
    }

    void progress(String text) {
        progress = text;
    }

    void running(Future<?> running) {
        future = running;
    }

    synchronized void complete(List<Output> written, Instant at) {
        if (state == State.RUNNING) {
            outputs = List.copyOf(written);
            finishedAt = at;
            state = State.COMPLETED;
        }
    }

    synchronized void fail(Failure why, Instant at) {
        if (state == State.RUNNING) {
            failure = why;
            finishedAt = at;
            state = State.FAILED;
        }
    }

    /** Marks the job deleted and stops it if it still runs; its files are the caller's to remove. */
    void delete() {
        deleted = true;
        Future<?> running = future;
        if (running != null) {
            running.cancel(true);
        }
    }
}
