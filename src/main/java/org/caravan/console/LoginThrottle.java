package org.caravan.console;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.context.ApplicationListener;
import org.springframework.security.authentication.event.AbstractAuthenticationEvent;
import org.springframework.security.authentication.event.AbstractAuthenticationFailureEvent;
import org.springframework.security.authentication.event.AuthenticationSuccessEvent;
import org.springframework.security.web.authentication.WebAuthenticationDetails;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Slows password guessing at the console: after {@code maxFailures} failed logins in a row from
 * one remote address, or for one user name, further attempts from that address or for that name
 * are answered 429 for {@code lockout}, the right password included. A success clears both tallies.
 * Per name as well as per address, so that guessing from many addresses is held back too; the
 * lock-out is short, so that a stranger locking the admin out costs the admin a minute at most.
 */
final class LoginThrottle implements ApplicationListener<AbstractAuthenticationEvent> {

    /** Tallies kept at most; past that, finished lock-outs and stale tallies are forgotten. */
    private static final int MAX_TRACKED = 10_000;

    private record Tally(int failures, Instant lockedUntil) {
    }

    private final int maxFailures;
    private final Duration lockout;
    private final Clock clock;
    private final Map<String, Tally> tallies = new ConcurrentHashMap<>();

    LoginThrottle(int maxFailures, Duration lockout, Clock clock) {
        this.maxFailures = maxFailures;
        this.lockout = lockout;
        this.clock = clock;
    }

    /** The security chain's filter that turns away login attempts while their address or name is locked. */
    OncePerRequestFilter filter() {
        return new OncePerRequestFilter() {
            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws ServletException, IOException {
                String user = attemptedUser(request);
                if (user != null && (locked("address:" + request.getRemoteAddr()) || locked("user:" + user))) {
                    response.setStatus(429);
                    response.setHeader("Retry-After", String.valueOf(Math.max(1, lockout.toSeconds())));
                    response.setContentType("text/plain;charset=UTF-8");
                    response.getWriter().write("Too many failed logins; try again later.\n");
                    return;
                }
                chain.doFilter(request, response);
            }
        };
    }

    @Override
    public void onApplicationEvent(AbstractAuthenticationEvent event) {
        String user = event.getAuthentication().getName();
        String address = event.getAuthentication().getDetails() instanceof WebAuthenticationDetails web
                ? web.getRemoteAddress() : null;
        if (event instanceof AbstractAuthenticationFailureEvent) {
            failed("user:" + user);
            if (address != null) {
                failed("address:" + address);
            }
        } else if (event instanceof AuthenticationSuccessEvent) {
            tallies.remove("user:" + user);
            if (address != null) {
                tallies.remove("address:" + address);
            }
        }
    }

    boolean locked(String key) {
        Tally tally = tallies.get(key);
        return tally != null && tally.lockedUntil() != null && clock.instant().isBefore(tally.lockedUntil());
    }

    private void failed(String key) {
        if (tallies.size() >= MAX_TRACKED) {
            Instant now = clock.instant();
            tallies.values().removeIf(t -> t.lockedUntil() == null || !now.isBefore(t.lockedUntil()));
        }
        tallies.compute(key, (k, t) -> {
            int failures = (t == null || t.lockedUntil() != null ? 0 : t.failures()) + 1;
            return failures >= maxFailures ? new Tally(0, clock.instant().plus(lockout)) : new Tally(failures, null);
        });
    }

    /** The user name a request tries to log in with: the login form's, or HTTP Basic's; else null. */
    private static String attemptedUser(HttpServletRequest request) {
        if ("POST".equals(request.getMethod()) && ConsoleSecurity.LOGIN.equals(request.getServletPath())) {
            String user = request.getParameter("username");
            return user == null ? "" : user;
        }
        String header = request.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                return colon < 0 ? decoded : decoded.substring(0, colon);
            } catch (IllegalArgumentException notBase64) {
                return "";
            }
        }
        return null;
    }
}
