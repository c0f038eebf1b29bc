package org.mydata.operator.api.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.mydata.operator.api.config.OperatorProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.authentication.WebAuthenticationDetails;

/**
 * Password sign-in, and client secrets at the token endpoint, with brute-force protection: failures are counted per user name and per client address
 * over a window, and past either limit every attempt is refused with the same error as a wrong password,
 * the right password included, so a guesser learns nothing. A refused attempt counts as a failure too.
 * Success clears the account's count, not the address's (else one known password would reset the guessing
 * of others). Counts live in this node's memory: several nodes each allow their own limit, and a restart
 * forgets them (docs/operating.md, Security).
 *
 * <p>The log names neither the user name nor the address, only a short keyed digest of them (the key is new
 * at each start), enough to tell that the same account or address keeps failing.
 */
final class ThrottledLogin implements AuthenticationProvider {
    private static final Logger log = LoggerFactory.getLogger(ThrottledLogin.class);
    /** Above this many remembered keys, those with no failure inside the window are forgotten. */
    private static final int PRUNE_ABOVE = 10_000;

    private final AuthenticationProvider passwords;
    private final Supplier<AuthenticationException> refusal;
    private final Clock clock;
    private final OperatorProperties.Login limits;
    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();
    private final SecretKeySpec logKey;

    ThrottledLogin(AuthenticationProvider passwords, Clock clock, OperatorProperties.Login limits) {
        this(passwords, () -> new BadCredentialsException("Bad credentials"), clock, limits);
    }

    /**
     * @param refusal what a locked attempt fails with: exactly what a wrong password (or client secret) fails with
     *                where this guards, so nothing tells the two apart
     */
    ThrottledLogin(AuthenticationProvider passwords, Supplier<AuthenticationException> refusal, Clock clock,
                   OperatorProperties.Login limits) {
        this.passwords = passwords;
        this.refusal = refusal;
        this.clock = clock;
        this.limits = limits;
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        this.logKey = new SecretKeySpec(random, "HmacSHA256");
    }

    @Override
    public Authentication authenticate(Authentication attempt) throws AuthenticationException {
        String account = "account:" + attempt.getName();
        String address = "address:" + (attempt.getDetails() instanceof WebAuthenticationDetails web
                ? web.getRemoteAddress() : "unknown");
        Instant now = clock.instant();
        boolean accountLocked = recent(account, now) >= limits.maxFailuresPerAccount();
        boolean addressLocked = recent(address, now) >= limits.maxFailuresPerAddress();
        if (accountLocked || addressLocked) {
            fail(account, now);
            fail(address, now);
            log.warn("Sign-in refused without checking the password: too many failures in {} for {} {}",
                    limits.window(), accountLocked ? "account" : "address", digest(accountLocked ? account : address));
            throw refusal.get();
        }
        try {
            Authentication authenticated = passwords.authenticate(attempt);
            if (authenticated != null) {
                failures.remove(account);
            }
            return authenticated;
        } catch (AuthenticationException failed) {
            int forAccount = fail(account, now);
            int forAddress = fail(address, now);
            if (forAccount == limits.maxFailuresPerAccount() || forAddress == limits.maxFailuresPerAddress()) {
                log.warn("Sign-in throttled: {} failures in {} for account {}, {} from address {}", forAccount,
                        limits.window(), digest(account), forAddress, digest(address));
            }
            throw failed;
        }
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return passwords.supports(authentication);
    }

    private int recent(String key, Instant now) {
        Deque<Instant> times = failures.get(key);
        if (times == null) {
            return 0;
        }
        synchronized (times) {
            expire(times, now);
            return times.size();
        }
    }

    private int fail(String key, Instant now) {
        if (failures.size() > PRUNE_ABOVE) {
            failures.entrySet().removeIf(e -> {
                synchronized (e.getValue()) {
                    expire(e.getValue(), now);
                    return e.getValue().isEmpty();
                }
            });
        }
        Deque<Instant> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (times) {
            expire(times, now);
            times.addLast(now);
            // Never more than needed to decide: the limit, plus one.
            while (times.size() > Math.max(limits.maxFailuresPerAccount(), limits.maxFailuresPerAddress()) + 1) {
                times.removeFirst();
            }
            return times.size();
        }
    }

    private void expire(Deque<Instant> times, Instant now) {
        Instant oldest = now.minus(limits.window());
        while (!times.isEmpty() && !times.peekFirst().isAfter(oldest)) {
            times.removeFirst();
        }
    }

    private String digest(String key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(logKey);
            return HexFormat.of().formatHex(mac.doFinal(key.getBytes(StandardCharsets.UTF_8)), 0, 4);
        } catch (GeneralSecurityException e) {
            return "?";
        }
    }
}
