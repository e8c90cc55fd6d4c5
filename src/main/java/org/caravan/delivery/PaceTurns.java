package org.caravan.delivery;

import java.util.function.BooleanSupplier;

import org.caravan.broker.QueuePacing;
import org.caravan.smtp.Pacer;

/** A delivery queue's turns are its line's max-msg-rate pacer: the route's pace step takes the cell. */
record PaceTurns(Pacer pacer) implements QueuePacing.Turns {

    @Override
    public boolean await(BooleanSupplier stillWanted) throws InterruptedException {
        return pacer.awaitTurn(stillWanted);
    }

    @Override
    public boolean tryNow() {
        return pacer.tryTurn();
    }

    @Override
    public void pass() {
        pacer.pass();
    }
}
