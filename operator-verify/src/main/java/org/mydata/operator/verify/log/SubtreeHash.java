package org.mydata.operator.verify.log;

import java.util.Objects;

/** A complete subtree together with its hash, as the writer stores it and the frontier hands it out. */
public record SubtreeHash(Subtree subtree, Hash hash) {
    public SubtreeHash {
        Objects.requireNonNull(subtree, "subtree");
        Objects.requireNonNull(hash, "hash");
    }
}
