package org.mydata.operator.export;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One bulk export as PostgreSQL holds it, so that every node answers for it alike.
 *
 * @param owner the node running it now; null while it waits for a node (its node stopped, or it was just
 *     released)
 * @param attempt the run that owns the job's files now: each run writes a directory of its own, so a run that
 *     lost the job (its node was thought dead) can never write into, or delete, the files of the run after it
 * @param outputs the files, once completed
 * @param failure why it ended without a result, once failed
 * @param transactionTime when the run that made (or makes) the result started
 * @param deidentification once completed: what the release plan and the date rules generalised and withheld
 *     (docs/gateway.md), for the manifest's extension
 */
public record ExportJob(UUID id, UUID permitId, String researcher, ExportRequest request, ExportState state,
                        String progress, String owner, String attempt, List<ExportOutput> outputs,
                        ExportFailure failure, Instant createdAt, Instant transactionTime, Instant finishedAt,
                        Map<String, Object> deidentification) {

    public ExportJob {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(permitId, "permitId");
        Objects.requireNonNull(researcher, "researcher");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(state, "state");
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
        deidentification = deidentification == null ? Map.of() : Map.copyOf(deidentification);
    }

    public Optional<ExportOutput> output(String type) {
        return state == ExportState.COMPLETED ? outputs.stream().filter(o -> o.type().equals(type)).findFirst()
                : Optional.empty();
    }
}
