package org.caravan.delivery;

import org.caravan.testsupport.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import jakarta.mail.Session;
import org.caravan.config.BackoffMode;
import org.caravan.config.Defaults;
import org.caravan.config.DomainPolicy;
import org.caravan.config.Rate;
import org.caravan.smtp.SmtpConnectionPool;
import org.caravan.smtp.SmtpReply;
import org.caravan.smtp.SmtpSessions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The live limits of a policy: the rate and spacing in force in each mode, the burst, and backoff mode over time. */
class PolicyStateTest {

    private static final String BACKOFF_REPLY = "421 4.7.0 too many messages, slow down";

    @ParameterizedTest(name = "{0} (backoff {1}) -> one each {2} ms, backoff {3}")
    @CsvSource(delimiter = '|', textBlock = """
        # max-msg-rate | backoff rate | interval ms | backoff interval ms
        20/s           |              | 50          |
        100/s          |              | 10          |
        2000/h         | 200/h        | 1800        | 18000
        20/s           | 2/s          | 50          | 500
        unlimited      | 1/s          | 0           | 1000
        60/m           | 6/m          | 1000        | 10000
        3/s            | 1/m          | 334         | 60000
        """)
    void theSpacingInForceInEachMode(String rate, String backoffRate, long interval, Long backoffInterval) {
        PolicyState state = state(rate, backoffRate, new MutableClock());

        assertThat(state.getMsgIntervalMillis()).isEqualTo(interval);
        assertThat(state.currentMsgRate()).isEqualTo(Rate.parse(rate));
        if (backoffInterval != null) {
            state.enterBackoff();
            assertThat(state.getMsgIntervalMillis()).isEqualTo(backoffInterval);
            assertThat(state.currentMsgRate()).isEqualTo(Rate.parse(backoffRate));
        }
    }

    @Test
    void theBurstComesFromThePolicyAndIsSettable() {
        PolicyState state = state("20/s", null, new MutableClock());
        assertThat(state.getMaxMsgBurst()).isEqualTo(1);
        state.setMaxMsgBurst(5);
        assertThat(state.getMaxMsgBurst()).isEqualTo(5);
        state.setMaxMsgBurst(0);
        assertThat(state.getMaxMsgBurst()).as("at least one message may go").isEqualTo(1);
    }

    @Test
    void aReplyWithABackoffPatternEntersBackoffUntilToNormalAfter() {
        MutableClock clock = new MutableClock();
        PolicyState state = state("2000/h", "200/h", clock);
        assertThat(state.isInBackoff()).isFalse();

        state.observe(new SmtpReply(421, "4.7.0", "too many messages, slow down"));
        assertThat(state.isInBackoff()).isTrue();
        assertThat(state.getMsgIntervalMillis()).isEqualTo(18_000);

        clock.advance(Duration.ofMinutes(59));
        assertThat(state.isInBackoff()).isTrue();
        clock.advance(Duration.ofMinutes(1));
        assertThat(state.isInBackoff()).as("to-normal-after 1h has passed").isFalse();
        assertThat(state.getMsgIntervalMillis()).isEqualTo(1_800);
    }

    @Test
    void anotherMatchingReplyRestartsTheCalm() {
        MutableClock clock = new MutableClock();
        PolicyState state = state("2000/h", "200/h", clock);
        state.observe(SmtpReply.parse(421, BACKOFF_REPLY));
        clock.advance(Duration.ofMinutes(40));
        state.observe(SmtpReply.parse(421, BACKOFF_REPLY));

        clock.advance(Duration.ofMinutes(59));
        assertThat(state.isInBackoff()).as("1h after the second reply, not the first").isTrue();
        clock.advance(Duration.ofMinutes(1));
        assertThat(state.isInBackoff()).isFalse();
    }

    @ParameterizedTest(name = "{0} -> backoff {1}")
    @CsvSource(delimiter = '|', textBlock = """
        421 | 421 4.7.0 too many messages, slow down | true
        421 | 421-4.7.0 too many messages            | true
        451 | 451 4.7.0 TOO MANY MESSAGES            | true
        451 | 451 4.7.1 try later                    | false
        550 | 550 5.1.1 no such user                 | false
        250 | 250 2.0.0 ok, not 421 4.7.0            | false
        """)
    void onlyANegativeReplyMatchingAPatternEntersBackoff(int code, String line, boolean backoff) {
        PolicyState state = state("unlimited", "1/s", new MutableClock(), List.of("421 4.7.0", "4.7.0 too many"));
        state.observe(SmtpReply.parse(code, line));
        assertThat(state.isInBackoff()).isEqualTo(backoff);
    }

    @Test
    void backoffSaysSinceWhenUntilWhenAndWhichPatternTriggeredIt() {
        MutableClock clock = new MutableClock();
        PolicyState state = state("unlimited", "1/s", clock, List.of("4.7.0 too many", "421 4.7.0"));
        assertThat(state.getBackoffReason()).isEmpty();
        assertThat(state.backoffSince()).isZero();
        long start = clock.millis();

        state.observe(SmtpReply.parse(421, BACKOFF_REPLY));
        assertThat(state.backoffPattern()).isEqualTo("4.7.0 too many");
        assertThat(state.getBackoffReason()).isEqualTo(BACKOFF_REPLY);
        assertThat(state.backoffSince()).isEqualTo(start);
        assertThat(state.backoffUntil()).isEqualTo(start + Duration.ofHours(1).toMillis());

        clock.advance(Duration.ofMinutes(10));
        state.enterBackoff();
        assertThat(state.backoffSince()).as("the same stretch of backoff").isEqualTo(start);
        assertThat(state.backoffPattern()).isEqualTo(PolicyState.OPERATOR);
        assertThat(state.getBackoffUntil()).isEqualTo(java.time.Instant.ofEpochMilli(clock.millis())
                .plus(Duration.ofHours(1)).toString());

        state.endBackoff();
        assertThat(state.getBackoffReason()).isEmpty();
        assertThat(state.getBackoffSince()).isEmpty();
        assertThat(state.backoffPattern()).isEmpty();
    }

    @Test
    void aPolicyWithoutBackoffNeverEntersIt() {
        PolicyState state = state("20/s", null, new MutableClock());
        state.observe(SmtpReply.parse(421, BACKOFF_REPLY));
        assertThat(state.isInBackoff()).isFalse();
        assertThat(state.getMsgIntervalMillis()).isEqualTo(50);
    }

    @Test
    void endBackoffRestoresTheNormalRateAtOnce() {
        MutableClock clock = new MutableClock();
        PolicyState state = state("unlimited", "1/s", clock);
        state.enterBackoff();
        assertThat(state.getMsgIntervalMillis()).isEqualTo(1000);

        state.endBackoff();
        assertThat(state.isInBackoff()).isFalse();
        assertThat(state.currentMsgRate().isUnlimited()).isTrue();
    }

    @ParameterizedTest(name = "{0} set to {1}")
    @CsvSource({
        "20/s,      100/s",
        "20/s,      10/s",
        "20/s,      1/s",
        "2000/h,    4000/h",
        "2000/h,    500/h",
        "2000/h,    100/h",
        "unlimited, 1/s",
        "unlimited, 50/s",
        "unlimited, 100/h",
        "100/s,     unlimited",
    })
    void aRateSetOverJmxIsTheRateInForce(String configured, String set) {
        PolicyState state = state(configured, null, new MutableClock());
        state.setMaxMsgRate(set);

        assertThat(state.getMaxMsgRate()).isEqualTo(set);
        // the pacer reads this on every message
        assertThat(state.currentMsgRate()).isEqualTo(Rate.parse(set));
        assertThat(state.getMsgIntervalMillis() * 1_000_000).isGreaterThanOrEqualTo(Rate.parse(set).intervalNanos());
    }

    private static PolicyState state(String rate, String backoffRate, Clock clock) {
        return state(rate, backoffRate, clock, List.of("421 4.7.0"));
    }

    private static PolicyState state(String rate, String backoffRate, Clock clock, List<String> patterns) {
        BackoffMode backoff = backoffRate == null ? BackoffMode.NONE
                : new BackoffMode(patterns, Rate.parse(backoffRate), Duration.ofHours(1));
        DomainPolicy d = Defaults.policy();
        DomainPolicy policy = new DomainPolicy("test", List.of("example.test"), d.maxSmtpOut(),
                d.maxMsgPerConnection(), d.maxConnRate(), Rate.parse(rate), d.retry(), backoff, null,
                d.connectTimeout(), d.readTimeout(), d.idleTimeout());
        Session session = SmtpSessions.create(null, null, d.connectTimeout(), d.readTimeout());
        SmtpConnectionPool pool = new SmtpConnectionPool(session, d.maxSmtpOut(), d.maxMsgPerConnection(),
                d.maxConnRate(), d.idleTimeout());
        return new PolicyState("default", policy, pool, clock);
    }

}
