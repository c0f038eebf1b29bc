package org.mydata.operator.release;

import org.mydata.operator.verify.release.Refusal;

import java.util.Objects;
import java.util.Optional;

/**
 * The answer for one resource: it leaves under one consent (or, under an opt-out basis, one inclusion), or it
 * stays, for one named reason.
 */
public sealed interface Decision {

    /** What it leaves under, if it leaves. */
    Optional<Grant> grant();

    record Release(Grant reliedOn) implements Decision {
        public Release {
            Objects.requireNonNull(reliedOn, "reliedOn");
        }

        @Override
        public Optional<Grant> grant() {
            return Optional.of(reliedOn);
        }
    }

    record Refuse(Refusal reason) implements Decision {
        public Refuse {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public Optional<Grant> grant() {
            return Optional.empty();
        }
    }
}
