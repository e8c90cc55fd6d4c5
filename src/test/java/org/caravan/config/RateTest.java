package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RateTest {

    @ParameterizedTest
    @CsvSource({
        "1/s,       1,    PT1S",
        "20/s,      20,   PT1S",
        "100/m,     100,  PT1M",
        "2000/h,    2000, PT1H",
        "50000/d,   50000, PT24H",
        "' 7/h ',   7,    PT1H",
    })
    void parsesDirectiveForms(String text, long count, Duration per) {
        assertThat(Rate.parse(text)).isEqualTo(new Rate(count, per));
    }

    @ParameterizedTest
    @ValueSource(strings = {"20/x", "20/min", "0/s", "-1/s", "1.5/s", "/s", "20", "20/", "20 /s", "20/ s",
        "", "unlimitedd", "9999999999999999999/s"})
    void rejectsBadRates(String text) {
        assertThatThrownBy(() -> Rate.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bad rate '" + text + "' (expected N/s, N/m, N/h or N/d, or 'unlimited')");
    }

    @Test
    void unlimitedIsTheSharedConstant() {
        assertThat(Rate.parse("unlimited")).isSameAs(Rate.UNLIMITED);
        assertThat(Rate.UNLIMITED.isUnlimited()).isTrue();
        assertThat(Rate.UNLIMITED.count()).isEqualTo(Long.MAX_VALUE);
        assertThat(Rate.UNLIMITED.per()).isEqualTo(Duration.ofSeconds(1));
        assertThat(Rate.UNLIMITED.perSecond()).isInfinite();
        assertThat(Rate.UNLIMITED).hasToString("unlimited");
        assertThat(Rate.parse("2000/h").isUnlimited()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1/s", "20/s", "100/m", "2000/h", "50000/d", "unlimited"})
    void toStringGivesBackTheDirective(String text) {
        assertThat(Rate.parse(text)).hasToString(text);
    }

    @ParameterizedTest
    @CsvSource({"20/s, 20.0", "120/m, 2.0", "3600/h, 1.0", "86400/d, 1.0"})
    void perSecond(String text, double expected) {
        assertThat(Rate.parse(text).perSecond()).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
        "20/s,    1,  50",
        "1000/s,  50, 50",
        "2000/h,  1,  1800",
        "100/m,   1,  600",
        "3/s,     1,  334",
        "25/s,    2,  84",
        "1/d,     1,  86400000",
        "100000/s, 4901, 50",
    })
    void throttleWindowSpreadsTheRate(String text, long permits, long periodMillis) {
        assertThat(Rate.parse(text).throttleWindow()).isEqualTo(new ThrottleWindow(permits, periodMillis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1/s", "7/s", "33/s", "999/s", "12345/s", "100/m", "7/m", "2000/h", "99999/h", "3/d"})
    void throttleWindowIsMinimalAndNeverExceedsTheRate(String text) {
        Rate rate = Rate.parse(text);
        ThrottleWindow w = rate.throttleWindow();
        long perMs = rate.per().toMillis();
        assertThat(w.periodMillis()).isGreaterThanOrEqualTo(50);
        // permits per period, scaled to the rate's unit, stays within count
        assertThat(w.permits() * perMs).isLessThanOrEqualTo(rate.count() * w.periodMillis());
        if (w.permits() > 1) {
            long shorter = ceilDiv(perMs * (w.permits() - 1), rate.count());
            assertThat(shorter).isLessThan(50);
        }
    }

    @Test
    void unlimitedThrottleWindow() {
        assertThat(Rate.UNLIMITED.throttleWindow()).isEqualTo(new ThrottleWindow(Integer.MAX_VALUE, 1000));
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
