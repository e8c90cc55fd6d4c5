package org.caravan.warmup;

import java.util.function.BooleanSupplier;

import org.caravan.broker.QueuePacing;

/**
 * A warmed-up line's turns: its own pacing turns, taken only while the warm-up cap has room. Over
 * the cap a consumer waits without taking a message, so the mail stays counted on its queue.
 */
final class WarmUpTurns implements QueuePacing.Turns {

    private static final long POLL_MILLIS = 200;

    private final QueuePacing.Turns inner;
    private final WarmUpLine line;

    WarmUpTurns(QueuePacing.Turns inner, WarmUpLine line) {
        this.inner = inner;
        this.line = line;
    }

    @Override
    public boolean await(BooleanSupplier stillWanted) throws InterruptedException {
        while (!line.tryTake()) {
            if (!stillWanted.getAsBoolean()) {
                return false;
            }
            Thread.sleep(POLL_MILLIS);
        }
        if (!inner.await(stillWanted)) {
            line.release();
            return false;
        }
        return true;
    }

    @Override
    public boolean tryNow() {
        if (!line.tryTake()) {
            return false;
        }
        if (!inner.tryNow()) {
            line.release();
            return false;
        }
        return true;
    }

    @Override
    public void pass() {
        inner.pass();
        line.releaseAll();
    }

    @Override
    public boolean hold(BooleanSupplier stillWanted) throws InterruptedException {
        return inner.hold(stillWanted);
    }
}
