package org.mydata.operator.api.rest;

import java.util.List;
import org.mydata.operator.access.AccessLog;
import org.mydata.operator.access.CitizenAccess;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Who used the caller's data: every gateway access that released any of it, newest first. */
@RestController
public class AccessLogController {
    private final AccessLog accessLog;
    private final Callers callers;

    public AccessLogController(AccessLog accessLog, Callers callers) {
        this.accessLog = accessLog;
        this.callers = callers;
    }

    @GetMapping("/api/v1/me/access-log")
    public List<CitizenAccess> accessLog(@AuthenticationPrincipal Jwt token) {
        return accessLog.ofAccount(callers.account(token).id());
    }
}
