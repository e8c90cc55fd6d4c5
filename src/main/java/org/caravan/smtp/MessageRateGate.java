package org.caravan.smtp;

import java.util.ArrayDeque;
import java.util.function.Supplier;

import org.caravan.config.Rate;

/**
 * max-msg-rate as the receiving server counts it: a transaction may start only while those in
 * flight plus those finished within the last window are fewer than the limit. The Throttle EIP
 * upstream spreads messages out, but the time between it and the server's 250 varies (pool wait,
 * connect, round trips), so only a gate at the moment of sending guarantees no window sees more.
 */
public final class MessageRateGate {

    private final Supplier<Rate> rate;
    private final ArrayDeque<Long> finished = new ArrayDeque<>();
    private int inFlight;

    /** The rate is asked on every message, so backoff mode and JMX changes apply at once. */
    public MessageRateGate(Supplier<Rate> rate) {
        this.rate = rate;
    }

    /** Blocks until one more transaction may start; false when the rate is unlimited (nothing to give back). */
    boolean acquire() throws InterruptedException {
        Rate r = rate.get();
        if (r.isUnlimited()) {
            return false;
        }
        synchronized (this) {
            while (true) {
                long window = r.per().toNanos();
                long now = System.nanoTime();
                trim(now, window);
                if (inFlight + finished.size() < r.count()) {
                    inFlight++;
                    return true;
                }
                long waitNanos = finished.isEmpty() ? 10_000_000L : window - (now - finished.peekFirst());
                wait(Math.max(1, waitNanos / 1_000_000));
                r = rate.get();
                if (r.isUnlimited()) {
                    return false;
                }
            }
        }
    }

    /** The transaction that acquire() admitted has ended (answered or failed). */
    synchronized void done() {
        inFlight--;
        long now = System.nanoTime();
        finished.addLast(now);
        Rate r = rate.get();
        trim(now, r.isUnlimited() ? 0 : r.per().toNanos());
        notifyAll();
    }

    private void trim(long now, long window) {
        while (!finished.isEmpty() && now - finished.peekFirst() >= window) {
            finished.pollFirst();
        }
    }
}
