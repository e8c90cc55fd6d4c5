package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryScheduleTest {

    private static final RetrySchedule SCHEDULE = new RetrySchedule(
            List.of(Duration.ofMinutes(10), Duration.ofMinutes(20), Duration.ofHours(1)),
            Duration.ofMinutes(30), 5, Duration.ofDays(4).plusHours(12));

    @ParameterizedTest
    @CsvSource({
        "2,  10m",
        "3,  20m",
        "4,  1h",
        "5,  30m",
        "6,  30m",
        "50, 30m",
    })
    void delayBeforeWalksTheListThenBacksOff(int attempt, String delay) {
        assertThat(SCHEDULE.delayBefore(attempt)).isEqualTo(Durations.parse(delay));
    }

    @Test
    void theFirstAttemptHasNoRetryDelay() {
        assertThatThrownBy(() -> SCHEDULE.delayBefore(1)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({"1, false", "5, false", "6, true", "7, true"})
    void exhaustedAfterOnePlusMaxRetriesAttempts(int attemptsMade, boolean exhausted) {
        assertThat(SCHEDULE.exhausted(attemptsMade)).isEqualTo(exhausted);
    }

    @Test
    void zeroRetriesMeansOneAttempt() {
        RetrySchedule once = new RetrySchedule(List.of(Duration.ofMinutes(5)), Duration.ofHours(1), 0,
                Duration.ofHours(1));
        assertThat(once.exhausted(1)).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
        "0,          false",
        "388799999,  false",
        "388800000,  true",
        "400000000,  true",
    })
    void expiredAtBounceAfter(long ageMillis, boolean expired) {
        long queuedAt = 1_700_000_000_000L;
        assertThat(SCHEDULE.expired(queuedAt, queuedAt + ageMillis)).isEqualTo(expired);
    }

    @Test
    void listIsImmutable() {
        assertThatThrownBy(() -> SCHEDULE.retryAfter().add(Duration.ZERO))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
