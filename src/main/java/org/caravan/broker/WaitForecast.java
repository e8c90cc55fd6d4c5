package org.caravan.broker;

/**
 * Whether the next message taken from a queue would wait (for a rate limit's permit, for a disk
 * that refuses the accounting) before its work is done. The commit batcher commits the finished
 * messages first rather than let their acks wait behind it.
 */
@FunctionalInterface
public interface WaitForecast {

    /** For consumers whose messages never wait on anything but their own work. */
    WaitForecast NEVER = queue -> false;

    boolean nextWouldWait(String queue);
}
