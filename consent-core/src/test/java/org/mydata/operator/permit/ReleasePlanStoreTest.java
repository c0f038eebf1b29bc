package org.mydata.operator.permit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatNoException;

import org.junit.jupiter.api.Test;

/** The small-cohort k is a test fixture's setting: nonsense values stop the operator from starting. */
class ReleasePlanStoreTest {
    @Test
    void aSmallCohortKBelowOneIsRefused() {
        assertThatThrownBy(() -> new ReleasePlanStore(null, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("operator.gateway.small-cohort-k");
        assertThatThrownBy(() -> new ReleasePlanStore(null, -3)).isInstanceOf(IllegalArgumentException.class);
        assertThatNoException().as("the test fixtures' 1 starts, with a warning").isThrownBy(
                () -> new ReleasePlanStore(null, 1));
        assertThatNoException().isThrownBy(() -> new ReleasePlanStore(null, null));
    }
}
