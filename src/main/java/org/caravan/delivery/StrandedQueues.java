package org.caravan.delivery;

import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import org.apache.activemq.artemis.core.postoffice.impl.LocalQueueBinding;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.caravan.config.MtaConfig;
import org.caravan.routing.ClassificationStage;
import org.caravan.routing.DomainClassifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.jms.connection.SingleConnectionFactory;

/**
 * Delivery queues that no configured (vmta, policy) line owns any more: a policy renamed or
 * removed from mta.yaml leaves its queue without a consumer. At start their mail moves into
 * today's lines: each message's domain classified again, the policy property rewritten, every
 * other property (attempt, queued time, scheduled retry time) kept; the emptied queue is deleted.
 * Mail of a virtual MTA that is gone stays where it is, since sending it from another source
 * address is the operator's call; {@link StrandedMailHealth} reports it. A reload that removes
 * a policy does the same at once, once the policy's route has stopped ({@link #moveUnowned}).
 */
public class StrandedQueues implements ApplicationRunner {

    static final String PREFIX = "mail.deliver.";
    private static final Logger LOG = LoggerFactory.getLogger(StrandedQueues.class);
    private static final int MESSAGES_PER_COMMIT = 100;
    private static final long RECEIVE_WAIT_MS = 1000;

    private volatile MtaConfig config;
    private final DomainClassifier classifier;
    private final ConnectionFactory connections;
    private final ObjectProvider<EmbeddedActiveMQ> broker;

    public StrandedQueues(MtaConfig config, DomainClassifier classifier, ConnectionFactory connections,
            ObjectProvider<EmbeddedActiveMQ> broker) {
        this.config = config;
        this.classifier = classifier;
        // Spring's caching factory would keep the consumer open, and a queue with one cannot be deleted
        this.connections = connections instanceof SingleConnectionFactory shared
                && shared.getTargetConnectionFactory() != null ? shared.getTargetConnectionFactory() : connections;
        this.broker = broker;
    }

    /** The config a reload put in force: which queues are owned from now on. */
    public void reconfigure(MtaConfig next) {
        this.config = next;
    }

    /** Queue name -> messages (scheduled retries included) of every mail.deliver queue no line owns. */
    public Map<String, Long> depths() {
        Map<String, Long> depths = new TreeMap<>();
        for (Queue queue : unowned()) {
            depths.put(queue.getName().toString(), queue.getMessageCount());
        }
        return depths;
    }

    /** Whether a stranded queue's mail can move: its virtual MTA is still configured. */
    public boolean movable(String queueName) {
        return config.virtualMtas().containsKey(vmtaOf(queueName));
    }

    /** null with an external broker: its queues are not visible from here. */
    ActiveMQServer server() {
        EmbeddedActiveMQ embedded = broker.getIfAvailable();
        return embedded == null ? null : embedded.getActiveMQServer();
    }

    @Override
    public void run(ApplicationArguments args) {
        moveUnowned();
    }

    /**
     * Moves the mail of every queue today's config does not own into the policies that now
     * match; returns the messages moved per queue they went to.
     */
    public Map<String, Integer> moveUnowned() {
        Map<String, Integer> total = new TreeMap<>();
        for (Queue queue : unowned()) {
            String name = queue.getName().toString();
            if (!movable(name)) {
                if (queue.getMessageCount() == 0) {
                    continue;
                }
                LOG.warn("{}: {} messages for virtual MTA '{}', which mta.yaml no longer lists; left in place",
                        name, queue.getMessageCount(), vmtaOf(name));
                continue;
            }
            try {
                Map<String, Integer> moved = rehome(queue);
                moved.forEach((target, n) -> total.merge(target, n, Integer::sum));
                LOG.info("{}: policy '{}' is no longer configured; moved {} messages into {}", name,
                        policyOf(name), moved.values().stream().mapToInt(Integer::intValue).sum(), moved);
                dropIfEmpty(queue);
            } catch (Exception e) {
                LOG.error("{}: could not move its messages into today's policies; they stay there", name, e);
            }
        }
        return total;
    }

    private List<Queue> unowned() {
        ActiveMQServer server = server();
        List<Queue> found = new ArrayList<>();
        if (server == null || !server.isActive()) {
            return found;
        }
        server.getPostOffice().getAllBindings()
                .filter(b -> b instanceof LocalQueueBinding)
                .map(b -> ((LocalQueueBinding) b).getQueue())
                .filter(q -> q.getName().toString().startsWith(PREFIX) && !owned(q.getName().toString()))
                .forEach(found::add);
        return found;
    }

    private boolean owned(String queueName) {
        String rest = queueName.substring(PREFIX.length());
        int dot = rest.indexOf('.');
        return dot > 0 && config.virtualMtas().containsKey(rest.substring(0, dot))
                && config.policies().containsKey(rest.substring(dot + 1));
    }

    private static String vmtaOf(String queueName) {
        String rest = queueName.substring(PREFIX.length());
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    private static String policyOf(String queueName) {
        String rest = queueName.substring(PREFIX.length());
        return rest.substring(rest.indexOf('.') + 1);
    }

    /** Moves everything, scheduled retries too (they keep their time), in transactions of 100. */
    private Map<String, Integer> rehome(Queue queue) throws Exception {
        queue.deliverScheduledMessages(); // a consumer sees only due messages; the property keeps the time
        String vmta = vmtaOf(queue.getName().toString());
        Map<String, Integer> moved = new LinkedHashMap<>();
        try (Connection c = connections.createConnection();
                Session s = c.createSession(true, Session.SESSION_TRANSACTED)) {
            c.start();
            MessageConsumer consumer = s.createConsumer(s.createQueue(queue.getName().toString()));
            MessageProducer producer = s.createProducer(null);
            int uncommitted = 0;
            for (Message m = consumer.receive(RECEIVE_WAIT_MS); m != null; m = consumer.receive(RECEIVE_WAIT_MS)) {
                // as intake classifies: a domain known only by MX hosts not cached yet goes through mail.classify
                String policy = classifier.atIntake(String.valueOf(m.getStringProperty(DeliveryHeaders.DOMAIN)));
                Message copy = copy(s, m, policy);
                String target = policy == null ? ClassificationStage.QUEUE : Delivery.queueOf(vmta, policy);
                producer.send(s.createQueue(target), copy, DeliveryMode.PERSISTENT, m.getJMSPriority(), timeToLive(m));
                moved.merge(target, 1, Integer::sum);
                if (++uncommitted == MESSAGES_PER_COMMIT) {
                    s.commit();
                    uncommitted = 0;
                }
            }
            s.commit();
        }
        return moved;
    }

    /** Body and every property as they were, the policy property rewritten (none for mail.classify, which sets it). */
    private static Message copy(Session s, Message m, String policy) throws JMSException {
        Message copy;
        if (m instanceof BytesMessage bytes) {
            byte[] body = new byte[(int) bytes.getBodyLength()];
            bytes.readBytes(body);
            BytesMessage b = s.createBytesMessage();
            b.writeBytes(body);
            copy = b;
        } else if (m instanceof TextMessage text) {
            copy = s.createTextMessage(text.getText());
        } else {
            throw new JMSException("unexpected message type on a delivery queue: " + m.getClass().getName());
        }
        for (Enumeration<?> names = m.getPropertyNames(); names.hasMoreElements();) {
            String name = (String) names.nextElement();
            // JMSX*: set by the broker on each delivery
            if (!name.startsWith("JMSX") && !name.equals(DeliveryHeaders.POLICY)) {
                copy.setObjectProperty(name, m.getObjectProperty(name));
            }
        }
        if (policy != null) {
            copy.setStringProperty(DeliveryHeaders.POLICY, policy);
        }
        copy.setJMSCorrelationID(m.getJMSCorrelationID());
        copy.setJMSType(m.getJMSType());
        return copy;
    }

    private static long timeToLive(Message m) throws JMSException {
        long expiration = m.getJMSExpiration();
        return expiration == 0 ? 0 : Math.max(1, expiration - System.currentTimeMillis());
    }

    /** Deletes the emptied queue; the ack of the last batch may take a moment to reach it. */
    private void dropIfEmpty(Queue queue) throws InterruptedException {
        for (int i = 0; i < 50 && (queue.getMessageCount() != 0 || queue.getConsumerCount() != 0); i++) {
            Thread.sleep(100);
        }
        if (queue.getMessageCount() != 0) {
            LOG.warn("{}: {} messages arrived while it was being emptied; kept", queue.getName(), queue.getMessageCount());
            return;
        }
        try {
            server().destroyQueue(queue.getName(), null, true, false, true);
        } catch (Exception e) {
            LOG.warn("{}: emptied but not deleted: {}; consumers {}", queue.getName(), e.toString(),
                    queue.getConsumers().stream().map(c -> c.debug()).toList());
        }
    }
}
