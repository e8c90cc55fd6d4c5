package org.caravan.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.jms.Connection;
import jakarta.jms.Destination;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import jakarta.jms.Topic;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;

/** Destinations are looked up at the broker once per name, and what is cached works in other sessions. */
class KnownDestinationsTest {

    @Test
    void asksTheBrokerOncePerNameAndTheAnswerServesEverySession() throws Exception {
        EmbeddedActiveMQ broker = new EmbeddedActiveMQ().setConfiguration(new ConfigurationImpl()
                .setPersistenceEnabled(false).setSecurityEnabled(false).addAcceptorConfiguration("in-vm", "vm://8"));
        broker.start();
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory("vm://8");
                Connection connection = factory.createConnection()) {
            connection.start();
            KnownDestinations known = new KnownDestinations();
            AtomicInteger lookups = new AtomicInteger();
            Session first = counting(connection.createSession(true, Session.SESSION_TRANSACTED), lookups);
            Session second = counting(connection.createSession(true, Session.SESSION_TRANSACTED), lookups);

            Destination q1 = known.resolveDestinationName(first, "mail.deliver.x", false);
            Destination q2 = known.resolveDestinationName(second, "mail.deliver.x", false);
            Destination t1 = known.resolveDestinationName(first, "mail.events", true);
            Destination t2 = known.resolveDestinationName(second, "mail.events", true);
            Destination other = known.resolveDestinationName(second, "mail.invalid", false);

            assertThat(lookups.get()).as("broker lookups for 3 names over 5 resolutions").isEqualTo(3);
            assertThat(q2).isSameAs(q1).isInstanceOf(Queue.class);
            assertThat(t2).isSameAs(t1).isInstanceOf(Topic.class);
            assertThat(((Queue) other).getQueueName()).isEqualTo("mail.invalid");

            // resolved in the first session, used by the second: the message arrives
            MessageConsumer consumer = second.createConsumer(q1);
            second.createProducer(q1).send(second.createTextMessage("hello"));
            second.commit();
            assertThat(((TextMessage) consumer.receive(5000)).getText()).isEqualTo("hello");
        } finally {
            broker.stop();
        }
    }

    private static Session counting(Session session, AtomicInteger lookups) {
        return (Session) Proxy.newProxyInstance(Session.class.getClassLoader(), new Class<?>[] {Session.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("createQueue") || method.getName().equals("createTopic")) {
                        lookups.incrementAndGet();
                    }
                    try {
                        return method.invoke(session, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
