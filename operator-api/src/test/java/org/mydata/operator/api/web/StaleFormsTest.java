package org.mydata.operator.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.web.csrf.InvalidCsrfTokenException;
import org.springframework.security.web.csrf.MissingCsrfTokenException;
import org.springframework.security.web.csrf.DefaultCsrfToken;

/** Which page a stale form leads back to; StaleFormsWalkTest follows every form end to end over HTTP. */
class StaleFormsTest {
    private static final String ID = "0b8c5a4e-2f41-4c7e-9d3a-1e2f3a4b5c6d";

    @Test
    void eachFormLeadsToThePageThatAsksForTheSameActionAgain() {
        assertThat(again("/app/consents/" + ID + "/withdraw")).isEqualTo("/app/consents/" + ID + "/withdraw?again");
        assertThat(again("/app/consents/" + ID + "/pause")).isEqualTo("/app/consents/" + ID + "/pause?again");
        assertThat(again("/app/consents/" + ID + "/resume")).isEqualTo("/app/consents/" + ID + "/resume?again");
        assertThat(again("/app/consents/" + ID + "/erasure")).isEqualTo("/app/consents/" + ID + "/erasure?again");
        assertThat(again("/app/opt-outs/" + ID + "/undo")).isEqualTo("/app/opt-outs/" + ID + "/undo?again");
        assertThat(again("/app/links/" + ID + "/remove")).isEqualTo("/app/links/" + ID + "/remove?again");
        assertThat(again("/app/sources/" + ID + "/link")).isEqualTo("/app/sources?again");
        assertThat(again("/logout")).isEqualTo("/logout?again");
        assertThat(again("/login")).isEqualTo("/login?expired");
        assertThat(again("/app/consents/not-an-id/withdraw")).isEqualTo("/app");

        MockHttpServletRequest donation = post("/app/programmes/" + ID + "/donate");
        donation.addParameter("type", "Observation", "Condition");
        donation.addParameter("source", ID);
        donation.addParameter("until", "2030-01-31");
        donation.addParameter("access", "statistics");
        donation.addParameter("language", "fi");
        donation.addParameter("shownTextSha256", "abc");
        donation.addParameter("_csrf", "stale");
        assertThat(StaleForms.againPage(donation)).isEqualTo("/app/programmes/" + ID + "/confirm?again"
                + "&type=Observation&type=Condition&source=" + ID + "&until=2030-01-31&access=statistics&language=fi");

        MockHttpServletRequest optOut = post("/app/programmes/" + ID + "/opt-out");
        optOut.addParameter("shownNoticeSha256", "abc");
        optOut.addParameter("language", "sv");
        optOut.addParameter("_csrf", "stale");
        assertThat(StaleForms.againPage(optOut)).isEqualTo("/app/programmes/" + ID + "/opt-out?again&language=sv");
    }

    @Test
    void onlyAPostWithAStaleTokenIsRedirectedOtherRefusalsStay403() throws Exception {
        MockHttpServletResponse stale = new MockHttpServletResponse();
        new StaleForms().handle(post("/app/consents/" + ID + "/pause"), stale, new MissingCsrfTokenException("x"));
        assertThat(stale.getStatus()).isEqualTo(303);
        assertThat(stale.getHeader("Location")).isEqualTo("/app/consents/" + ID + "/pause?again");

        MockHttpServletResponse wrong = new MockHttpServletResponse();
        new StaleForms().handle(post("/app/consents/" + ID + "/pause"), wrong,
                new InvalidCsrfTokenException(new DefaultCsrfToken("X-CSRF-TOKEN", "_csrf", "a"), "b"));
        assertThat(wrong.getStatus()).isEqualTo(303);

        MockHttpServletResponse denied = new MockHttpServletResponse();
        new StaleForms().handle(post("/app/consents/" + ID + "/pause"), denied, new AccessDeniedException("no"));
        assertThat(denied.getStatus()).isEqualTo(403);
    }

    private static String again(String path) {
        return StaleForms.againPage(post(path));
    }

    private static MockHttpServletRequest post(String path) {
        return new MockHttpServletRequest("POST", path);
    }
}
