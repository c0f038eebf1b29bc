package org.mydata.operator.release;

import java.util.Objects;
import java.util.Optional;

/** The answer for one resource: it leaves under one consent, or it stays, for one named reason. */
public sealed interface Decision {

    /** The consent it leaves under, if it leaves. */
    Optional<ConsentGrant> grant();

    record Release(ConsentGrant consent) implements Decision {
        public Release {
            Objects.requireNonNull(consent, "consent");
        }

        @Override
        public Optional<ConsentGrant> grant() {
            return Optional.of(consent);
        }
    }

    record Refuse(Refusal reason) implements Decision {
        public Refuse {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public Optional<ConsentGrant> grant() {
            return Optional.empty();
        }
    }
}
