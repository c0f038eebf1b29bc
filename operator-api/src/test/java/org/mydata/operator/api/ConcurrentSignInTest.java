package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Many people signing in at once at the embedded authorization server: every login and code exchange succeeds.
 * Spring's in-memory authorization service failed here with a ConcurrentModificationException (HTTP 500 from
 * the token endpoint) when codes were exchanged while others signed in; the benchmark's 1,000 sign-ins met it.
 */
class ConcurrentSignInTest extends OperatorTestBase {

    @Test
    void concurrentSignInsAllGetTokens() throws Exception {
        String[][] people = {{"alice", "alice-demo-password"}, {"bob", "bob-demo-password"},
                {"carol", "carol-demo-password"}};
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<String>> tokens = new ArrayList<>();
            for (int i = 0; i < 96; i++) {
                String[] person = people[i % people.length];
                tokens.add(pool.submit(() -> http.citizenToken(person[0], person[1])));
            }
            for (Future<String> token : tokens) {
                assertThat(token.get()).isNotBlank();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
