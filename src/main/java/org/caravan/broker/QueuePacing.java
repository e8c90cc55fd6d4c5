package org.caravan.broker;

import java.util.function.BooleanSupplier;

/**
 * When a consumer may take its next message off a queue. A paced delivery line takes one only
 * when the message's slot comes, so while the line waits its mail stays on the queue: counted
 * there, not "in delivery", not prefetched by a consumer that cannot send it yet.
 */
@FunctionalInterface
public interface QueuePacing {

    /** For queues whose consumers take messages as fast as they come. */
    QueuePacing NONE = queue -> Turns.FREE;

    /** The turns of one queue's consumers; asked once per listener container. */
    Turns of(String queue);

    /** One consumer at a time has the turn: it alone waits for the next slot and then takes a message. */
    interface Turns {

        Turns FREE = new Turns() {
            @Override
            public boolean await(BooleanSupplier stillWanted) {
                return true;
            }

            @Override
            public boolean tryNow() {
                return true;
            }

            @Override
            public void pass() {
            }
        };

        /**
         * Blocks until this thread has the turn and the next slot has come; false (without the
         * turn) once {@code stillWanted} turns false, e.g. the container stops.
         */
        boolean await(BooleanSupplier stillWanted) throws InterruptedException;

        /** Takes the turn only if it is free and the slot is here now. */
        boolean tryNow();

        /** Gives the turn back if this thread still has it (nothing was taken, or the work is over). */
        void pass();

        /**
         * Called with a message received by a blocking receive: a consumer already waiting in the
         * receive when its line stopped taking mail (a suspension) got it. Blocks while the line
         * holds its mail; false once {@code stillWanted} turns false (the message then goes back
         * to the queue with the session).
         */
        default boolean hold(BooleanSupplier stillWanted) throws InterruptedException {
            return true;
        }
    }
}
