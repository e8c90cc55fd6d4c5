package org.caravan.delivery;

import java.util.function.BooleanSupplier;

import org.caravan.broker.QueuePacing;

/**
 * A delivery queue's turns: none while a reply rule holds its line (suspend, disable-source-ip),
 * so its mail stays on the queue; then the line's max-msg-rate pacer, whose cell the route's pace
 * step takes. Each look first lets a mode that ended by time end (limits back, event out).
 */
record LineTurns(PolicyState state, PaceTurns pace) implements QueuePacing.Turns {

    /** How often a consumer of a suspended line looks again (and whether it is still wanted). */
    private static final long LOOK_MILLIS = 250;

    LineTurns(PolicyState state) {
        this(state, new PaceTurns(state.messages()));
    }

    @Override
    public boolean await(BooleanSupplier stillWanted) throws InterruptedException {
        return hold(stillWanted) && pace.await(stillWanted);
    }

    /** Waits out a suspension, the line's mail staying where it is (on the queue, or this one message). */
    @Override
    public boolean hold(BooleanSupplier stillWanted) throws InterruptedException {
        state.refresh();
        while (state.isSuspended()) {
            if (!stillWanted.getAsBoolean()) {
                return false;
            }
            long left = state.suspendedUntil() - System.currentTimeMillis();
            Thread.sleep(Math.max(1, Math.min(LOOK_MILLIS, left)));
            state.refresh();
        }
        return true;
    }

    @Override
    public boolean tryNow() {
        state.refresh();
        return !state.isSuspended() && pace.tryNow();
    }

    @Override
    public void pass() {
        pace.pass();
    }
}
