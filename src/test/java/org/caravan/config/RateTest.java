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
        "20/s,      50000000",
        "2000/h,    1800000000",
        "6/m,       10000000000",
        "3/s,       333333334",
        "1/d,       86400000000000",
        "unlimited, 0",
    })
    void intervalIsTheEvenSpacingRoundedUp(String text, long nanos) {
        assertThat(Rate.parse(text).intervalNanos()).isEqualTo(nanos);
    }
}
