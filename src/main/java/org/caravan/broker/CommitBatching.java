package org.caravan.broker;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

import org.apache.camel.component.jms.JmsEndpoint;
import org.apache.camel.component.jms.MessageListenerContainerFactory;
import org.springframework.jms.listener.AbstractMessageListenerContainer;

/**
 * How a consuming route groups its messages into broker transactions. Routes name it with
 * {@code consumerType=Custom&messageListenerContainerFactory=#<bean>}; {@code maxMessages} 1 is
 * camel-jms's own one commit per message.
 */
public final class CommitBatching implements MessageListenerContainerFactory {

    private final int maxMessages;
    private final long maxAgeNanos;
    private final LongAdder commits = new LongAdder();
    private final LongAdder messages = new LongAdder();

    public CommitBatching(int maxMessages, Duration maxAge) {
        if (maxMessages < 1) {
            throw new IllegalArgumentException("a commit batch holds at least 1 message, not " + maxMessages);
        }
        this.maxMessages = maxMessages;
        this.maxAgeNanos = maxAge.toNanos();
    }

    @Override
    public AbstractMessageListenerContainer createMessageListenerContainer(JmsEndpoint endpoint) {
        return new BatchCommitContainer(endpoint, this);
    }

    int maxMessages() {
        return maxMessages;
    }

    long maxAgeNanos() {
        return maxAgeNanos;
    }

    void committed(int count) {
        commits.increment();
        messages.add(count);
    }

    /** Commits so far: with {@link #messagesCommitted()}, the batch size actually reached. */
    public long commits() {
        return commits.sum();
    }

    public long messagesCommitted() {
        return messages.sum();
    }
}
