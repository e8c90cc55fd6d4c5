package org.caravan.smtp;

import java.util.ArrayDeque;

import org.caravan.config.Rate;

/**
 * At most rate.count() events in any window of rate.per(): PowerMTA's max-conn-rate. Keeps the
 * times of the last count events; callers wait until the oldest leaves the window.
 */
final class SlidingWindowLimiter {

    private final long max;
    private final long windowNanos;
    private final ArrayDeque<Long> events = new ArrayDeque<>();

    SlidingWindowLimiter(Rate rate) {
        this.max = rate.isUnlimited() ? Long.MAX_VALUE : rate.count();
        this.windowNanos = rate.per().toNanos();
    }

    /** Blocks until one more event fits in the window, then counts it. */
    void acquire() throws InterruptedException {
        if (max == Long.MAX_VALUE) {
            return;
        }
        while (true) {
            long waitNanos;
            synchronized (this) {
                long now = System.nanoTime();
                while (!events.isEmpty() && now - events.peekFirst() >= windowNanos) {
                    events.pollFirst();
                }
                if (events.size() < max) {
                    events.addLast(now);
                    return;
                }
                waitNanos = windowNanos - (now - events.peekFirst());
            }
            Thread.sleep(Math.max(1, waitNanos / 1_000_000), 0);
        }
    }
}
