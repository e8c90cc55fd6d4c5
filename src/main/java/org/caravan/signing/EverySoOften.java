package org.caravan.signing;

import java.util.concurrent.atomic.AtomicLong;

/** Runs an action at most once per interval (a log line that would otherwise repeat per message). */
public final class EverySoOften {

    private final long intervalMillis;
    private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);

    public EverySoOften(long intervalMillis) {
        this.intervalMillis = intervalMillis;
    }

    /** Runs the action if the interval has passed since the last run; true if it ran. */
    public boolean run(Runnable action) {
        long now = System.currentTimeMillis();
        long due = next.get();
        if (now < due || !next.compareAndSet(due, now + intervalMillis)) {
            return false;
        }
        action.run();
        return true;
    }
}
