package org.caravan.smtp;

import java.util.ArrayDeque;
import java.util.function.Supplier;

import org.caravan.config.Rate;

/**
 * max-msg-rate per window of its unit as the receiving server counts it: a body may go only while
 * the transactions in flight plus those answered within the last window are fewer than the count.
 * The pacers space messages evenly, but the time between a cell and the server's arrival varies
 * (scheduling, the network), so exact spacing alone would let a window of the unit now and then
 * see count + 1; this gate, counting in-flight work from before it is sent until after it is
 * answered, never does. With even pacing it rarely waits, and then only for such jitter.
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
