package org.mydata.operator.api.security;

import com.nimbusds.jwt.SignedJWT;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.text.ParseException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * SMART Backend Services clients send a client assertion without {@code client_id} (RFC 7523 makes it
 * optional, since the assertion names the client), but Spring Authorization Server requires it. For such a
 * token request this names the client from the assertion's {@code sub}, unverified: the assertion is then
 * checked against that client's keys, with {@code iss} and {@code sub} required to be that client, so a wrong
 * name only fails authentication.
 */
final class ClientIdFromAssertion extends OncePerRequestFilter {
    private static final String ASSERTION = "client_assertion";
    private static final String CLIENT_ID = "client_id";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String assertion = request.getParameter(ASSERTION);
        if (assertion == null || request.getParameter(CLIENT_ID) != null) {
            chain.doFilter(request, response);
            return;
        }
        String subject;
        try {
            subject = SignedJWT.parse(assertion).getJWTClaimsSet().getSubject();
        } catch (ParseException e) {
            subject = null;
        }
        if (subject == null) {
            // Left to the authorization server, which refuses it as an invalid request.
            chain.doFilter(request, response);
            return;
        }
        Map<String, String[]> parameters = new LinkedHashMap<>(request.getParameterMap());
        parameters.put(CLIENT_ID, new String[] {subject});
        Map<String, String[]> named = Collections.unmodifiableMap(parameters);
        chain.doFilter(new HttpServletRequestWrapper(request) {
            @Override
            public String getParameter(String name) {
                String[] values = named.get(name);
                return values == null || values.length == 0 ? null : values[0];
            }

            @Override
            public Map<String, String[]> getParameterMap() {
                return named;
            }

            @Override
            public Enumeration<String> getParameterNames() {
                return Collections.enumeration(named.keySet());
            }

            @Override
            public String[] getParameterValues(String name) {
                return named.get(name);
            }
        }, response);
    }
}
