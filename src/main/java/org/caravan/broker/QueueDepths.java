package org.caravan.broker;

import java.util.Optional;

import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.MessageReference;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Reads queue depths straight from the embedded broker's queues (no JMX round trip, no browse):
 * cheap enough for a Prometheus scrape and the queue console every few seconds. Empty with an
 * external broker, whose queues this process cannot see.
 */
public class QueueDepths {

    static final String QUEUED_AT = "queuedAt";

    private final ObjectProvider<EmbeddedActiveMQ> broker;

    public QueueDepths(ObjectProvider<EmbeddedActiveMQ> broker) {
        this.broker = broker;
    }

    /** The queue's depth now; empty when it does not exist (yet) or the broker is not embedded. */
    public Optional<QueueDepth> of(String queueName) {
        Queue queue = queue(queueName);
        if (queue == null) {
            return Optional.empty();
        }
        long scheduled = queue.getScheduledCount();
        long delivering = queue.getDeliveringCount();
        // getMessageCount counts scheduled and delivering messages too
        long ready = Math.max(0, queue.getMessageCount() - scheduled - delivering);
        long now = System.currentTimeMillis();
        long oldest = Math.max(age(queue.peekFirstMessage(), now), age(queue.peekFirstScheduledMessage(), now));
        return Optional.of(new QueueDepth(queueName, ready, scheduled, delivering, oldest, queue.isPaused(),
                queue.getConsumerCount()));
    }

    /** The queue itself, for the operator's actions (pause, purge, retry now); null when absent or external. */
    public Queue queue(String queueName) {
        ActiveMQServer server = server();
        return server == null ? null : server.locateQueue(SimpleString.of(queueName));
    }

    /** Whether queues can be read here (embedded broker running). */
    public boolean available() {
        return server() != null;
    }

    private ActiveMQServer server() {
        EmbeddedActiveMQ embedded = broker.getIfAvailable();
        ActiveMQServer server = embedded == null ? null : embedded.getActiveMQServer();
        return server != null && server.isActive() ? server : null;
    }

    private static long age(MessageReference ref, long now) {
        if (ref == null) {
            return 0;
        }
        Message m = ref.getMessage();
        Object queuedAt = m.getObjectProperty(QUEUED_AT);
        long since = queuedAt instanceof Number n ? n.longValue() : m.getTimestamp();
        return since <= 0 ? 0 : Math.max(0, now - since);
    }
}
