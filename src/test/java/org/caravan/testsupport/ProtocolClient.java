package org.caravan.testsupport;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Destination;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.QueueBrowser;
import jakarta.jms.Session;

/**
 * One broker user speaking one of the acceptor's protocols, reduced to what a role decides: send
 * to an address, take from a queue, browse a queue, subscribe to a multicast address. Each call
 * opens its own connection (a refused action may close it) and throws when the broker refuses.
 */
public interface ProtocolClient {

    enum Protocol { CORE, AMQP, STOMP, OPENWIRE }

    /** Sends one persistent message; returns once the broker has accepted it. */
    void send(String address, boolean multicast, String body, Map<String, String> properties) throws Exception;

    /** Takes (consumes) up to one message; null when none is waiting. */
    String take(String queue) throws Exception;

    /** Browses the queue's messages without taking them. */
    List<String> browse(String queue) throws Exception;

    /** Subscribes to a multicast address; the subscription collects what arrives until closed. */
    Subscription subscribe(String address) throws Exception;

    /** Messages arriving on a subscription, as text. */
    interface Subscription extends AutoCloseable {
        List<String> received();

        /** Waits until a message containing the text arrives; false if it did not within 10 s. */
        default boolean await(String text) throws InterruptedException {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline) {
                if (received().stream().anyMatch(m -> m.contains(text))) {
                    return true;
                }
                Thread.sleep(20);
            }
            return false;
        }

        @Override
        void close() throws Exception;

        /** A subscription over a list its reader thread appends to (synchronized on the list). */
        static Subscription of(List<String> received, AutoCloseable source) {
            return new Subscription() {
                @Override
                public List<String> received() {
                    synchronized (received) {
                        return List.copyOf(received);
                    }
                }

                @Override
                public void close() throws Exception {
                    source.close();
                }
            };
        }
    }

    static ProtocolClient of(Protocol protocol, int port, String user, String password) {
        return switch (protocol) {
            case CORE -> new Jms(new org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory(
                    "tcp://127.0.0.1:" + port, user, password));
            case AMQP -> new Jms(new org.apache.qpid.jms.JmsConnectionFactory(user, password,
                    "amqp://127.0.0.1:" + port));
            case OPENWIRE -> new Jms(new org.apache.activemq.ActiveMQConnectionFactory(user, password,
                    "tcp://127.0.0.1:" + port));
            case STOMP -> new StompClient(port, user, password);
        };
    }

    /** CORE, AMQP and OpenWire through their JMS clients. */
    final class Jms implements ProtocolClient {
        private final ConnectionFactory factory;

        Jms(ConnectionFactory factory) {
            this.factory = factory;
        }

        @Override
        public void send(String address, boolean multicast, String body, Map<String, String> properties)
                throws JMSException {
            try (Connection c = factory.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
                Destination d = multicast ? s.createTopic(address) : s.createQueue(address);
                MessageProducer producer = s.createProducer(d);
                producer.setDeliveryMode(DeliveryMode.PERSISTENT); // a persistent send waits for the broker's answer
                Message m = s.createTextMessage(body);
                for (Map.Entry<String, String> p : properties.entrySet()) {
                    m.setStringProperty(p.getKey(), p.getValue());
                }
                producer.send(m);
            }
        }

        @Override
        public String take(String queue) throws JMSException {
            try (Connection c = factory.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
                c.start();
                Message m = s.createConsumer(s.createQueue(queue)).receive(1000);
                return m == null ? null : Broker.taken(m).text();
            }
        }

        @Override
        public List<String> browse(String queue) throws JMSException {
            try (Connection c = factory.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
                c.start();
                List<String> out = new ArrayList<>();
                try (QueueBrowser browser = s.createBrowser(s.createQueue(queue))) {
                    for (var e = browser.getEnumeration(); e.hasMoreElements();) {
                        out.add(Broker.taken((Message) e.nextElement()).text());
                    }
                }
                return out;
            }
        }

        @Override
        public Subscription subscribe(String address) throws JMSException {
            Connection c = factory.createConnection();
            try {
                Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
                MessageConsumer consumer = s.createConsumer(s.createTopic(address));
                List<String> received = Collections.synchronizedList(new ArrayList<>());
                consumer.setMessageListener(m -> {
                    try {
                        received.add(Broker.taken(m).text());
                    } catch (JMSException e) {
                        received.add("unreadable: " + e);
                    }
                });
                c.start();
                return Subscription.of(received, c);
            } catch (JMSException e) {
                c.close();
                throw e;
            }
        }
    }
}
