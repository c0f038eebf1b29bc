package org.mydata.operator.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which failures leave a change undone, and which leave its outcome unknown. */
class DatabaseFailuresTest {

    @ParameterizedTest
    @ValueSource(strings = {"08000", "08001", "08003", "08004", "08006", "57P01", "57P02", "57P03", "53300"})
    void aLostSessionIsUnavailableBeforeCommitAndUnknownDuringIt(String state) {
        SQLException lost = new SQLException("lost", state);
        assertThat(DatabaseFailures.classify(lost, false)).isEqualTo(StoreException.Kind.UNAVAILABLE);
        assertThat(DatabaseFailures.classify(lost, true)).isEqualTo(StoreException.Kind.OUTCOME_UNKNOWN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"23505", "23503", "40001", "40P01", "42P01", "22001", "57014", "XX000"})
    void anErrorTheServerAnsweredWithIsAPlainFailureEvenAtCommit(String state) {
        SQLException refused = new SQLException("refused", state);
        assertThat(DatabaseFailures.classify(refused, false)).isEqualTo(StoreException.Kind.FAILED);
        // The server rolled the transaction back when it answered COMMIT with an error: nothing is unknown.
        assertThat(DatabaseFailures.classify(refused, true)).isEqualTo(StoreException.Kind.FAILED);
    }

    @Test
    void aPoolThatCannotHandOutAConnectionIsUnavailable() {
        // What HikariCP throws when its connection timeout passes; the SQLSTATE may be missing.
        SQLException timeout = new SQLTransientConnectionException("operator - Connection is not available");
        assertThat(DatabaseFailures.classify(timeout, false)).isEqualTo(StoreException.Kind.UNAVAILABLE);
        assertThat(DatabaseFailures.classify(new SQLNonTransientConnectionException("closed"), true))
                .isEqualTo(StoreException.Kind.OUTCOME_UNKNOWN);
    }

    @Test
    void aLostConnectionFoundAmongCausesOrChainedExceptionsCounts() {
        SQLException wrapped = new SQLException("batch failed", "XX000", new SQLException("io", "08006"));
        assertThat(DatabaseFailures.classify(wrapped, true)).isEqualTo(StoreException.Kind.OUTCOME_UNKNOWN);
        SQLException batch = new SQLException("batch entry failed", (String) null);
        batch.setNextException(new SQLException("terminating connection", "57P01"));
        assertThat(DatabaseFailures.classify(batch, false)).isEqualTo(StoreException.Kind.UNAVAILABLE);
        assertThat(DatabaseFailures.classify(new SQLException("no state"), false)).isEqualTo(StoreException.Kind.FAILED);
    }
}
