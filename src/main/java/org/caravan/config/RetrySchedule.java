package org.caravan.config;

import java.time.Duration;
import java.util.List;

/**
 * When to try a deferred message again and when to give up (PowerMTA's retry-after,
 * backoff-retry, max-retries and bounce-after). Attempt 1 is the first delivery, 2 the first retry.
 */
public record RetrySchedule(List<Duration> retryAfter, Duration backoffRetry, int maxRetries, Duration bounceAfter) {

    public RetrySchedule {
        retryAfter = List.copyOf(retryAfter);
        requirePositive(backoffRetry, "backoff-retry");
        requirePositive(bounceAfter, "bounce-after");
        retryAfter.forEach(d -> requirePositive(d, "retry-after"));
        if (maxRetries < 0) {
            throw new IllegalArgumentException("max-retries must not be negative, got " + maxRetries);
        }
    }

    /** The wait before attempt number {@code attempt} (>= 2): the listed delays in turn, then backoff-retry. */
    public Duration delayBefore(int attempt) {
        if (attempt < 2) {
            throw new IllegalArgumentException("attempt " + attempt + " is not a retry (the first retry is attempt 2)");
        }
        int index = attempt - 2;
        return index < retryAfter.size() ? retryAfter.get(index) : backoffRetry;
    }

    /** True when no retry is left after {@code attemptsMade} attempts (1 + max-retries in all). */
    public boolean exhausted(int attemptsMade) {
        return attemptsMade > maxRetries;
    }

    /** True when a message queued at {@code queuedAtMillis} has been queued bounce-after or longer. */
    public boolean expired(long queuedAtMillis, long nowMillis) {
        return nowMillis - queuedAtMillis >= bounceAfter.toMillis();
    }

    private static void requirePositive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be a positive duration, got " + d);
        }
    }
}
