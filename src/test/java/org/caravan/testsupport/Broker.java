package org.caravan.testsupport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/** A JMS client of the engine's broker over TCP, as a sender or a watcher would connect. */
public final class Broker {

    /** A message taken off a queue: body bytes and string properties. */
    public record Taken(byte[] body, Map<String, Object> properties) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** Why intake refused it (the reason property of a mail.invalid message). */
        public String reason() {
            return String.valueOf(properties.get("reason"));
        }
    }

    private final ActiveMQConnectionFactory factory;

    Broker(int port, String user, String password) {
        this.factory = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port, user, password);
    }

    /** Submits one persistent message to mail.submit with the given properties. */
    public void submit(byte[] body, Map<String, String> properties) {
        submitAll(List.of(body), properties);
    }

    public void submit(String body, Map<String, String> properties) {
        submit(body.getBytes(StandardCharsets.UTF_8), properties);
    }

    /** Submits one persistent TextMessage, as a sender of text would. */
    public void submitText(String text, Map<String, String> properties) throws JMSException {
        try (Connection c = factory.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            MessageProducer p = s.createProducer(s.createQueue("mail.submit"));
            p.setDeliveryMode(DeliveryMode.PERSISTENT);
            TextMessage m = s.createTextMessage(text);
            for (Map.Entry<String, String> e : properties.entrySet()) {
                m.setStringProperty(e.getKey(), e.getValue());
            }
            p.send(m);
        }
    }

    /** Submits many messages in transactions of 100. */
    public void submitAll(List<byte[]> bodies, Map<String, String> properties) {
        try (Connection c = factory.createConnection(); Session s = c.createSession(true, Session.SESSION_TRANSACTED)) {
            MessageProducer p = s.createProducer(s.createQueue("mail.submit"));
            p.setDeliveryMode(DeliveryMode.PERSISTENT);
            int n = 0;
            for (byte[] body : bodies) {
                BytesMessage m = s.createBytesMessage();
                m.writeBytes(body);
                for (Map.Entry<String, String> e : properties.entrySet()) {
                    m.setStringProperty(e.getKey(), e.getValue());
                }
                p.send(m);
                if (++n % 100 == 0) {
                    s.commit();
                }
            }
            s.commit();
        } catch (JMSException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Takes what arrives on a queue until the wait runs out with nothing new. */
    public List<Taken> drain(String queue, int expected, Duration wait) {
        List<Taken> out = new ArrayList<>();
        try (Connection c = factory.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            MessageConsumer consumer = s.createConsumer(s.createQueue(queue));
            long deadline = System.nanoTime() + wait.toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                Message m = consumer.receive(200);
                if (m != null) {
                    out.add(taken(m));
                }
            }
            return out;
        } catch (JMSException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Subscribes to mail.events now; the returned watcher collects the JSON events. */
    public EventWatcher watchEvents() {
        try {
            Connection c = factory.createConnection();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            EventWatcher w = new EventWatcher(c);
            s.createConsumer(s.createTopic("mail.events")).setMessageListener(m -> w.add(text(m)));
            c.start();
            return w;
        } catch (JMSException e) {
            throw new IllegalStateException(e);
        }
    }

    public Connection connect() throws JMSException {
        return factory.createConnection();
    }

    private static String text(Message m) {
        try {
            return ((TextMessage) m).getText();
        } catch (JMSException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Body and properties of a received message (a text body as UTF-8 bytes). */
    public static Taken taken(Message m) throws JMSException {
        byte[] body;
        if (m instanceof BytesMessage b) {
            body = new byte[(int) b.getBodyLength()];
            b.readBytes(body);
        } else if (m instanceof TextMessage t) {
            body = t.getText() == null ? new byte[0] : t.getText().getBytes(StandardCharsets.UTF_8);
        } else {
            body = new byte[0];
        }
        Map<String, Object> props = new HashMap<>();
        for (Enumeration<?> e = m.getPropertyNames(); e.hasMoreElements();) {
            String name = (String) e.nextElement();
            props.put(name, m.getObjectProperty(name));
        }
        return new Taken(body, Collections.unmodifiableMap(props));
    }
}
