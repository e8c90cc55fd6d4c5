package org.caravan.broker;

/**
 * One queue's mail as the operator counts it: ready to go now, scheduled (deferred, waiting for
 * its retry time), and in delivery (handed to a consumer, not yet acked), plus how long the
 * oldest message has waited since it was first queued.
 *
 * @param oldestAgeMillis age of the oldest of the first ready and the first scheduled message,
 *        from its queuedAt property (when it was first queued); 0 when the queue is empty
 */
public record QueueDepth(String queue, long ready, long scheduled, long delivering, long oldestAgeMillis,
        boolean paused, int consumers) {

    public long total() {
        return ready + scheduled + delivering;
    }
}
