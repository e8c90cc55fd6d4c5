package org.caravan.broker;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import java.io.OutputStream;
import java.util.Random;
import org.apache.activemq.artemis.core.client.impl.ClientLargeMessageImpl;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;

/** A large message (one the sender's client streamed in chunks) is received whole, chunk by chunk. */
class LargeSubmissionCopyTest {

    @Test
    void theClientCopiesEachChunkInOneCall() throws Exception {
        Class<?> copy = Class.forName(ClientLargeMessageImpl.class.getName() + "$ActiveMQOutputStream");
        assertThat(copy.getDeclaredMethod("write", byte[].class, int.class, int.class).getDeclaringClass())
                .isEqualTo(copy);
        assertThat(OutputStream.class.isAssignableFrom(copy)).isTrue();
    }

    @Test
    void aLargeMessageArrivesIntact() throws Exception {
        byte[] body = new byte[700_001]; // past 100 KiB, chunks of 30,000 bytes and an odd tail
        new Random(7).nextBytes(body);
        EmbeddedActiveMQ broker = new EmbeddedActiveMQ().setConfiguration(new ConfigurationImpl()
                .setPersistenceEnabled(false).setSecurityEnabled(false).addAcceptorConfiguration("in-vm", "vm://77"));
        broker.start();
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory("vm://77?minLargeMessageSize=30000");
                Connection connection = factory.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            var queue = session.createQueue("large.copy");
            MessageConsumer consumer = session.createConsumer(queue);
            MessageProducer producer = session.createProducer(queue);
            BytesMessage sent = session.createBytesMessage();
            sent.writeBytes(body);
            producer.send(sent);

            BytesMessage received = (BytesMessage) consumer.receive(10_000);
            assertThat(received).isNotNull();
            assertThat(received.getBodyLength()).isEqualTo(body.length);
            byte[] read = new byte[body.length];
            assertThat(received.readBytes(read)).isEqualTo(body.length);
            assertThat(read).isEqualTo(body);
        } finally {
            broker.stop();
        }
    }
}
