package org.mydata.operator.api.config;

import java.util.Optional;
import org.mydata.operator.witness.WitnessServer;

/**
 * The embedded default's witness, when it runs: the project's own, so that the log's checkpoints are cosigned out
 * of the box. A real deployment names independent witnesses in operator.log.witnesses instead; one run by the
 * operator itself cannot vouch for the operator.
 */
public record EmbeddedWitness(Optional<WitnessServer> server) implements AutoCloseable {
    public static final String NAME = "mydata-embedded-witness.local";

    /** After the operator rotates its key, the embedded witness trusts the new note key too. */
    public void trust(String logVerifierKey) {
        server.ifPresent(running -> running.witness().trust(logVerifierKey));
    }

    @Override
    public void close() {
        server.ifPresent(WitnessServer::close);
    }
}
