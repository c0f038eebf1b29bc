package org.mydata.operator.gateway.broker;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;

class BoundedPagingProviderTest {
    private Instant now = Instant.parse("2026-11-25T12:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    private final BoundedPagingProvider paging = new BoundedPagingProvider(1_000, Duration.ofMinutes(30), clock);

    @Test
    void dropsTheOldestSearchesOnceTheyHoldMoreThanTheBound() {
        String first = paging.storeResultList(null, results(400));
        String second = paging.storeResultList(null, results(400));
        String third = paging.storeResultList(null, results(400));

        assertThat(paging.retrieveResultList(null, first)).isNull();
        assertThat(paging.retrieveResultList(null, second)).isNotNull();
        assertThat(paging.retrieveResultList(null, third).size()).isEqualTo(400);
        assertThat(paging.heldResources()).isEqualTo(800);
    }

    @Test
    void keepsTheNewestSearchEvenWhenItAloneIsOverTheBound() {
        String small = paging.storeResultList(null, results(10));
        String huge = paging.storeResultList(null, results(5_000));

        assertThat(paging.retrieveResultList(null, small)).isNull();
        assertThat(paging.retrieveResultList(null, huge).size()).isEqualTo(5_000);
        assertThat(paging.heldResources()).isEqualTo(5_000);
    }

    @Test
    void forgetsSearchesOlderThanTheirAge() {
        String old = paging.storeResultList(null, results(5));
        now = now.plus(Duration.ofMinutes(20));
        String recent = paging.storeResultList(null, results(5));
        now = now.plus(Duration.ofMinutes(11));

        assertThat(paging.retrieveResultList(null, old)).isNull();
        assertThat(paging.retrieveResultList(null, recent)).isNotNull();
        assertThat(paging.heldResources()).isEqualTo(5);
        assertThat(paging.retrieveResultList(null, "no-such-search")).isNull();
    }

    private static IBundleProvider results(int n) {
        List<IBaseResource> resources = new ArrayList<>(Collections.nCopies(n, new Observation()));
        return new SimpleBundleProvider(resources);
    }
}
