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

/** The live limits of a policy: throttle permits per period in each mode, and backoff mode over time. */
class PolicyStateTest {

    private static final String BACKOFF_REPLY = "421 4.7.0 too many messages, slow down";

    @ParameterizedTest(name = "{0} (backoff {1}) -> {3} per {2} ms, backoff {4}")
    @CsvSource(delimiter = '|', textBlock = """
        # max-msg-rate | backoff rate | period ms | normal permits | backoff permits
        20/s           |              | 50        | 1              |
        100/s          |              | 50        | 5              |
        2000/h         |              | 1800      | 1              |
        2000/h         | 200/h        | 18000     | 10             | 1
        20/s           | 2/s          | 500       | 10             | 1
        unlimited      |              | 1000      | 10000          |
        unlimited      | 1/s          | 1000      | 10000          | 1
        60/m           | 6/m          | 10000     | 10             | 1
        """)
    void permitsPerPeriodInEachMode(String rate, String backoffRate, long period, long normal, Long backoff) {
        MutableClock clock = new MutableClock();
        PolicyState state = state(rate, backoffRate, clock);

        assertThat(state.getThrottlePeriodMillis()).isEqualTo(period);
        assertThat(state.msgPermits()).isEqualTo(normal);
        assertThat(state.getMsgPermits()).isEqualTo(normal);
        if (backoff != null) {
            state.enterBackoff();
            assertThat(state.msgPermits()).isEqualTo(backoff);
        }
    }

    /** The throttle never lets more through than the rate: permits per period, scaled to the rate's unit, stay within count. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"20/s", "7/s", "25/s", "50/s", "59/s", "100/m", "2000/h", "200/h", "1000/d", "3/h"})
    void permitsNeverExceedTheRate(String rate) {
        PolicyState state = state(rate, null, new MutableClock());
        assertEffectiveRateWithin(state, Rate.parse(rate));
    }

    /**
     * Normal and backoff rates in different units: one Camel period cannot express both exactly,
     * so the rate of record for each mode is currentMsgRate(), which MessageRateGate enforces at
     * the moment of sending; the Throttle only spreads messages and must never admit fewer than one.
     */
    @ParameterizedTest(name = "{0} with backoff {1}")
    @CsvSource({
        "20/s,   100/m",
        "3/s,    1/m",
        "100/m,  1/s",
        "2000/h, 10/m",
        "1000/m, 2000/h",
    })
    void eachModeHasItsOwnRateOfRecord(String rate, String backoffRate) {
        PolicyState state = state(rate, backoffRate, new MutableClock());
        assertThat(state.currentMsgRate()).isEqualTo(Rate.parse(rate));
        assertThat(state.msgPermits()).isPositive();
        state.enterBackoff();
        assertThat(state.currentMsgRate()).isEqualTo(Rate.parse(backoffRate));
        assertThat(state.msgPermits()).isPositive();
    }

    @Test
    void aReplyWithABackoffPatternEntersBackoffUntilToNormalAfter() {
        MutableClock clock = new MutableClock();
        PolicyState state = state("2000/h", "200/h", clock);
        assertThat(state.isInBackoff()).isFalse();

        state.observe(new SmtpReply(421, "4.7.0", "too many messages, slow down"));
        assertThat(state.isInBackoff()).isTrue();
        assertThat(state.msgPermits()).isEqualTo(1);

        clock.advance(Duration.ofMinutes(59));
        assertThat(state.isInBackoff()).isTrue();
        clock.advance(Duration.ofMinutes(1));
        assertThat(state.isInBackoff()).as("to-normal-after 1h has passed").isFalse();
        assertThat(state.msgPermits()).isEqualTo(10);
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
    void aPolicyWithoutBackoffNeverEntersIt() {
        PolicyState state = state("20/s", null, new MutableClock());
        state.observe(SmtpReply.parse(421, BACKOFF_REPLY));
        assertThat(state.isInBackoff()).isFalse();
        assertThat(state.msgPermits()).isEqualTo(1);
    }

    @Test
    void endBackoffRestoresTheNormalRateAtOnce() {
        MutableClock clock = new MutableClock();
        PolicyState state = state("unlimited", "1/s", clock);
        state.enterBackoff();
        assertThat(state.msgPermits()).isEqualTo(1);

        state.endBackoff();
        assertThat(state.isInBackoff()).isFalse();
        assertThat(state.msgPermits()).isEqualTo(PolicyState.MAX_PERMITS);
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
        // the gate at the moment of sending reads this on every message
        assertThat(state.currentMsgRate()).isEqualTo(Rate.parse(set));
        Rate rate = Rate.parse(set);
        if (rate.isUnlimited()) {
            assertThat(state.msgPermits()).isEqualTo(PolicyState.MAX_PERMITS);
        } else {
            // the throttle never holds delivery below the rate: at least the rate gets through it
            double perUnit = (double) state.msgPermits() * rate.per().toMillis() / state.getThrottlePeriodMillis();
            assertThat(perUnit).as("messages per %s allowed for %s", rate.per(), set).isGreaterThanOrEqualTo(rate.count() * 0.9);
        }
    }

    /**
     * The most the throttle admits in any window of the rate's unit must not exceed the rate's count.
     * Camel's throttle hands each permit back one period after it was taken, so a window of the
     * unit sees up to permits * ceil(unit / period).
     */
    private static void assertEffectiveRateWithin(PolicyState state, Rate rate) {
        long permits = state.msgPermits();
        long period = state.getThrottlePeriodMillis();
        long unit = rate.per().toMillis();
        long inAnyWindow = permits * ((unit + period - 1) / period);
        assertThat(inAnyWindow)
                .as("%d permits per %d ms admit up to %d in a window of %d ms, limit %s", permits, period,
                        inAnyWindow, unit, rate)
                .isLessThanOrEqualTo(rate.count());
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
