package org.mydata.operator.consent;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * What else happens when a person asks for erasure, in the same transaction as the signed request: the seam
 * where notifications to the permit holders (an outbox row per permit in {@link ErasureRequest#permitIds()},
 * carrying {@code erasure_requested=true}) join, so a request is stored if and only if its notice is.
 */
@FunctionalInterface
public interface ErasureRequested {
    /** Nothing more: the request is stored, signed and logged, and shown to the person. */
    ErasureRequested NONE = (c, request) -> {
    };

    /** Runs inside the batch that signs the request; throwing rolls the request back. */
    void requested(Connection c, ErasureRequest request) throws SQLException;
}
