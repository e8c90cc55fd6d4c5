package org.caravan.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.caravan.testsupport.MutableClock;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.event.AuthenticationFailureBadCredentialsEvent;
import org.springframework.security.authentication.event.AuthenticationSuccessEvent;

class LoginThrottleTest {

    private final MutableClock clock = new MutableClock();
    private final LoginThrottle throttle = new LoginThrottle(3, Duration.ofMinutes(1), clock);

    @Test
    void locksTheNameAfterTheLimitAndLetsGoAfterTheLockout() {
        fail("admin");
        fail("admin");
        assertThat(throttle.locked("user:admin")).isFalse();
        fail("admin");
        assertThat(throttle.locked("user:admin")).isTrue();

        clock.advance(Duration.ofSeconds(59));
        assertThat(throttle.locked("user:admin")).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(throttle.locked("user:admin")).isFalse();

        fail("admin"); // a fresh count after the lock-out, not an instant relock
        assertThat(throttle.locked("user:admin")).isFalse();
    }

    @Test
    void aSuccessClearsTheCount() {
        fail("admin");
        fail("admin");
        UsernamePasswordAuthenticationToken ok = UsernamePasswordAuthenticationToken.authenticated("admin", null, List.of());
        throttle.onApplicationEvent(new AuthenticationSuccessEvent(ok));
        fail("admin");
        fail("admin");
        assertThat(throttle.locked("user:admin")).isFalse();
    }

    private void fail(String user) {
        throttle.onApplicationEvent(new AuthenticationFailureBadCredentialsEvent(
                UsernamePasswordAuthenticationToken.unauthenticated(user, "wrong"), new BadCredentialsException("bad")));
    }
}
