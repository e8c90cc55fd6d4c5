package org.caravan.demo;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;

import org.caravan.config.Rate;

/** At most rate.count() acceptances in any rate.per(): how providers count a sending IP's volume. */
final class SlidingWindow {

    private final Rate rate;
    private final Clock clock;
    private final Deque<Long> accepted = new ArrayDeque<>();

    SlidingWindow(Rate rate, Clock clock) {
        this.rate = rate;
        this.clock = clock;
    }

    /** True, and counted, when one more fits in the window; false when the window is full. */
    synchronized boolean tryAccept() {
        long now = clock.millis();
        long windowStart = now - rate.per().toMillis();
        while (!accepted.isEmpty() && accepted.peekFirst() <= windowStart) {
            accepted.removeFirst();
        }
        if (accepted.size() >= rate.count()) {
            return false;
        }
        accepted.addLast(now);
        return true;
    }
}
