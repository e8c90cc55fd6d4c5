package org.caravan.broker;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

import org.apache.camel.component.jms.JmsEndpoint;
import org.apache.camel.component.jms.MessageListenerContainerFactory;
import org.springframework.jms.listener.AbstractMessageListenerContainer;

/**
 * How a consuming route groups its messages into broker transactions. Routes name it with
 * {@code consumerType=Custom&messageListenerContainerFactory=#<bean>}; {@code maxMessages} 1 is
 * camel-jms's own one commit per message.
 *
 * <p>A finished message waits for its ack at most {@code maxAge}: a batch takes another message
 * only while that one is expected to finish within the batch's remaining age (the previous one
 * did, and the {@link WaitForecast} sees no wait ahead). Before each commit the
 * {@code beforeCommit} step runs (accounting's fsync), once per batch.
 */
public final class CommitBatching implements MessageListenerContainerFactory {

    private final int maxMessages;
    private final long maxAgeNanos;
    private final LongAdder commits = new LongAdder();
    private final LongAdder messages = new LongAdder();
    private final Runnable beforeCommit;
    private final WaitForecast forecast;
    private final QueuePacing pacing;
    private volatile IntConsumer sizes = count -> { };
    private volatile org.caravan.config.TrafficPriority priority;

    public CommitBatching(int maxMessages, Duration maxAge) {
        this(maxMessages, maxAge, () -> { }, WaitForecast.NEVER);
    }

    public CommitBatching(int maxMessages, Duration maxAge, Runnable beforeCommit, WaitForecast forecast) {
        this(maxMessages, maxAge, beforeCommit, forecast, QueuePacing.NONE);
    }

    /**
     * @param beforeCommit runs on the consumer's thread before every commit; it may block (a
     *                     commit must not ack what is not yet durable) and throws only to roll back
     * @param forecast     tells whether the next message of a queue would wait before its work
     * @param pacing       when a consumer may take its next message (a paced line: when its slot comes)
     */
    public CommitBatching(int maxMessages, Duration maxAge, Runnable beforeCommit, WaitForecast forecast,
            QueuePacing pacing) {
        if (maxMessages < 1) {
            throw new IllegalArgumentException("a commit batch holds at least 1 message, not " + maxMessages);
        }
        this.maxMessages = maxMessages;
        this.maxAgeNanos = maxAge.toNanos();
        this.beforeCommit = beforeCommit;
        this.forecast = forecast;
        this.pacing = pacing;
    }

    @Override
    public AbstractMessageListenerContainer createMessageListenerContainer(JmsEndpoint endpoint) {
        return new BatchCommitContainer(endpoint, this);
    }

    /**
     * Resizes a running route's consumers (a container this factory made); false for any other
     * container, whose consumer count stays as built.
     */
    public static boolean resize(org.springframework.jms.listener.AbstractMessageListenerContainer container,
            int consumers) {
        if (container instanceof BatchCommitContainer batched) {
            batched.consumers(consumers);
            return true;
        }
        return false;
    }

    /**
     * Gives bulk (mail below priority.bulkBelow) at least priority's share of each consumer's
     * takes while it waits (see {@link BulkTurns}); for consumers started from now on.
     */
    public CommitBatching bulkShare(org.caravan.config.TrafficPriority priority) {
        this.priority = priority;
        return this;
    }

    org.caravan.config.TrafficPriority priority() {
        return priority;
    }

    int maxMessages() {
        return maxMessages;
    }

    long maxAgeNanos() {
        return maxAgeNanos;
    }

    Runnable beforeCommit() {
        return beforeCommit;
    }

    QueuePacing.Turns turnsOf(String queue) {
        return queue == null ? QueuePacing.Turns.FREE : pacing.of(queue);
    }

    boolean nextWouldWait(String queue) {
        return queue != null && forecast.nextWouldWait(queue);
    }

    void committed(int count) {
        commits.increment();
        messages.add(count);
        sizes.accept(count);
    }

    /** Tells observer the size of every batch committed from now on (metrics); on the consumer's thread, so quick. */
    public void observe(IntConsumer observer) {
        this.sizes = observer;
    }

    /** Commits so far: with {@link #messagesCommitted()}, the batch size actually reached. */
    public long commits() {
        return commits.sum();
    }

    public long messagesCommitted() {
        return messages.sum();
    }
}
