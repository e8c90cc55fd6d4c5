package org.caravan.delivery;

import java.util.ArrayDeque;

import org.caravan.config.Rate;

/**
 * What one line's two rate limits have let through lately: the route's Throttle (permits per
 * period, counted when a message passes it) and the sender's message-rate gate (transactions in
 * flight plus those finished within the rate's window). Enough to tell, before a message is taken
 * off the queue, whether it would wait for either.
 */
final class RateMirror {

    private final ArrayDeque<Long> admitted = new ArrayDeque<>();
    private final ArrayDeque<Long> finished = new ArrayDeque<>();
    private int inFlight;

    /** A message passed the Throttle and is on its way to SMTP. */
    synchronized void admitted(long nowNanos, long periodMillis) {
        admitted.addLast(nowNanos);
        inFlight++;
        trim(admitted, nowNanos, periodMillis * 1_000_000L);
    }

    /** Its SMTP transaction is over (answered or failed). */
    synchronized void finished(long nowNanos, Rate rate) {
        inFlight = Math.max(0, inFlight - 1);
        if (!rate.isUnlimited()) {
            finished.addLast(nowNanos);
            trim(finished, nowNanos, rate.per().toNanos());
        }
    }

    /** True when the Throttle's window holds all its permits, or the rate gate would hold one more transaction. */
    synchronized boolean nextWouldWait(long nowNanos, long permits, long periodMillis, Rate rate) {
        trim(admitted, nowNanos, periodMillis * 1_000_000L);
        if (admitted.size() >= permits) {
            return true;
        }
        if (rate.isUnlimited()) {
            return false;
        }
        trim(finished, nowNanos, rate.per().toNanos());
        return inFlight + finished.size() >= rate.count();
    }

    private static void trim(ArrayDeque<Long> times, long now, long windowNanos) {
        while (!times.isEmpty() && now - times.peekFirst() >= windowNanos) {
            times.pollFirst();
        }
    }
}
