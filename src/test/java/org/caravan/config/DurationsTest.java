package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
        "30s,         PT30S",
        "10m,         PT10M",
        "1h,          PT1H",
        "4d12h,       PT108H",
        "1d2h30m15s,  PT26H30M15S",
        "500ms,       PT0.5S",
        "1s500ms,     PT1.5S",
        "90,          PT1M30S",
        "0,           PT0S",
        "' 2m ',      PT2M",
    })
    void parses(String text, Duration expected) {
        assertThat(Durations.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "s", "10x", "10 m", "1.5h", "-5m", "10m1h", "1h1h", "1H", "5mm",
        "99999999999999999999", "9999999999999999d"})
    void rejects(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bad duration '" + text + "'");
    }

    @ParameterizedTest
    @CsvSource({
        "PT0S,        0s",
        "PT30S,       30s",
        "PT90S,       1m30s",
        "PT1H,        1h",
        "PT108H,      4d12h",
        "PT26H30M15S, 1d2h30m15s",
        "PT0.5S,      500ms",
        "PT1.25S,     1s250ms",
    })
    void formatsShortestAndReadsBack(Duration d, String expected) {
        assertThat(Durations.format(d)).isEqualTo(expected);
        assertThat(Durations.parse(expected)).isEqualTo(d);
    }
}
