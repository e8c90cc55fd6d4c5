package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.MessageProducer;
import jakarta.jms.ObjectMessage;
import jakarta.jms.Session;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.core.settings.impl.PageFullMessagePolicy;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.caravan.testsupport.Broker;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.EventWatcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a submission may be before intake reads it: bytes or text, never a serialized object;
 * no bigger than max-message-size (intake keeps only the header block of a bigger one) and far
 * less than a heap (the broker refuses it at the door). The set-aside queues are bounded.
 * One engine on max-message-size 200K, so the broker's limit is 2 x 200K + 64K.
 */
class SubmissionBoundsTest {

    private static final int MAX = 200 * 1024;
    private static final String HEAD = "From: Sender <sender@example.net>\r\nTo: big@example.com\r\n"
            + "Subject: bounds\r\nMessage-ID: <%s@test>\r\n\r\n";

    private static Engine engine;

    @BeforeAll
    static void start() {
        engine = Engine.start("max-message-size: 200K\ndomain-policies:\n  default:\n    route: 127.0.0.1:9\n",
                "caravan.broker.set-aside-expiry=14d", "caravan.broker.set-aside-max-size=512MB");
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    /** Counts its own deserializations: any count above zero means someone read the object. */
    static final class Tripwire implements Serializable {
        private static final long serialVersionUID = 1L;
        static final AtomicInteger READS = new AtomicInteger();

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            READS.incrementAndGet();
            in.defaultReadObject();
        }
    }

    @Test
    void anObjectMessageIsRefusedWithoutBeingDeserialized() throws Exception {
        Tripwire.READS.set(0);
        try (EventWatcher events = engine.broker().watchEvents();
                Connection c = engine.broker().connect();
                Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            MessageProducer p = s.createProducer(s.createQueue("mail.submit"));
            p.setDeliveryMode(DeliveryMode.PERSISTENT);
            ObjectMessage m = s.createObjectMessage(new Tripwire());
            m.setStringProperty("jobId", "object");
            m.setStringProperty("rcptTo", "obj@example.com");
            p.send(m);

            List<Broker.Taken> invalid = engine.broker().drain("mail.invalid", 1, Duration.ofSeconds(10));
            assertThat(invalid).singleElement().satisfies(t -> {
                assertThat(t.reason()).startsWith("unsupported-body: ObjectMessage");
                assertThat(t.properties()).containsEntry("jobId", "object");
                assertThat(t.body()).isEmpty();
            });
            assertThat(events.await("rejected", 1, Duration.ofSeconds(5))).singleElement()
                    .satisfies(e -> assertThat(String.valueOf(e.get("smtpText"))).startsWith("unsupported-body: "));
        }
        assertThat(Tripwire.READS.get()).as("deserializations at intake").isZero();
    }

    @Test
    void theEnginesOwnJmsClientTrustsNoClass() throws Exception {
        Tripwire.READS.set(0);
        try (Connection c = engine.broker().connect(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            s.createProducer(s.createQueue("scratch.objects")).send(s.createObjectMessage(new Tripwire()));
        }
        ConnectionFactory engines = engine.bean(ConnectionFactory.class);
        try (Connection c = engines.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            ObjectMessage m = (ObjectMessage) s.createConsumer(s.createQueue("scratch.objects")).receive(5000);
            assertThat(m).isNotNull();
            assertThatThrownBy(m::getObject).isInstanceOf(JMSException.class);
        }
        assertThat(Tripwire.READS.get()).isZero();
    }

    @Test
    void anOversizeSubmissionKeepsOnlyItsHeaderBlockOnMailInvalid() throws Exception {
        String head = HEAD.formatted("oversize-bytes");
        // past the broker's large-message threshold (100K): streamed to intake, which reads only the head
        byte[] bytes = (head + lines(300 * 1024)).getBytes(StandardCharsets.US_ASCII);
        engine.broker().submit(bytes, Map.of("jobId", "oversize-bytes"));
        String textHead = HEAD.formatted("oversize-text");
        // over max-message-size in UTF-8, under the broker's limit as UTF-16
        engine.broker().submitText(textHead + lines(210 * 1024), Map.of("jobId", "oversize-text"));

        List<Broker.Taken> invalid = engine.broker().drain("mail.invalid", 2, Duration.ofSeconds(10));
        assertThat(invalid).hasSize(2);
        Broker.Taken b = byJob(invalid, "oversize-bytes");
        assertThat(b.reason()).startsWith("oversize: " + bytes.length + " bytes exceeds max-message-size " + MAX)
                .contains("body not read, header block only kept");
        assertThat(b.text()).isEqualTo(head);
        Broker.Taken t = byJob(invalid, "oversize-text");
        assertThat(t.reason()).startsWith("oversize: ").contains("header block only");
        assertThat(t.text()).isEqualTo(textHead);
    }

    @Test
    void theBrokerRefusesASubmissionFarOverTheLimitOverJmsAndStomp() throws Exception {
        byte[] huge = (HEAD.formatted("huge") + lines(600 * 1024)).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> engine.broker().submit(huge, Map.of("jobId", "huge")))
                .hasStackTraceContaining("mail.submit takes at most " + (2 * MAX + 64 * 1024) + " bytes");
        String reply = MessageIntegrityTest.stompSendReply(engine.brokerPort(), huge, Map.of("jobId", "huge-stomp"));
        assertThat(reply).as("STOMP answer to the SEND").startsWith("ERROR\n").contains("receipt-id:sent-1");

        assertThat(engine.broker().drain("mail.submit", 1, Duration.ofMillis(500))).isEmpty();
        assertThat(engine.broker().drain("mail.invalid", 1, Duration.ofMillis(500))).isEmpty();
        Thread.sleep(500);
        try (Stream<Path> files = Files.walk(engine.dataDir().resolve("journal"))) {
            assertThat(files.filter(f -> f.toString().contains("large-messages") && Files.isRegularFile(f)))
                    .as("large-message files left by refused submissions").isEmpty();
        }
    }

    @Test
    void anAmqpSubmissionIsStampedByTheBrokerAndAnOversizeOneRefused() throws Exception {
        JmsConnectionFactory amqp = new JmsConnectionFactory(Engine.USER, Engine.PASSWORD,
                "amqp://127.0.0.1:" + engine.brokerPort());
        byte[] huge = (HEAD.formatted("huge-amqp") + lines(600 * 1024)).getBytes(StandardCharsets.US_ASCII);
        try (Connection c = amqp.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            MessageProducer p = s.createProducer(s.createQueue("mail.submit"));
            p.setDeliveryMode(DeliveryMode.PERSISTENT);
            BytesMessage m = s.createBytesMessage();
            m.writeBytes("From: s@example.net\r\nSubject: to nobody\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
            m.setStringProperty("jobId", "amqp-no-rcpt");
            m.setStringProperty("caravanClient", "203.0.113.9"); // a sender cannot choose its trace
            p.send(m);
            BytesMessage big = s.createBytesMessage();
            big.writeBytes(huge);
            assertThatThrownBy(() -> p.send(big)).isInstanceOf(JMSException.class);
        }
        List<Broker.Taken> invalid = engine.broker().drain("mail.invalid", 1, Duration.ofSeconds(10));
        assertThat(invalid).singleElement().satisfies(t -> {
            assertThat(t.reason()).startsWith("no-recipients: ");
            assertThat(t.properties()).containsEntry("caravanProtocol", "AMQP").containsEntry("caravanClient", "127.0.0.1");
        });
    }

    @Test
    void theSetAsideQueuesExpireAndStopGrowingWithoutBlockingIntake() {
        EmbeddedActiveMQ broker = engine.bean(EmbeddedActiveMQ.class);
        for (String queue : new String[] {"mail.invalid", "mail.dead"}) {
            AddressSettings a = broker.getActiveMQServer().getAddressSettingsRepository().getMatch(queue);
            assertThat(a.getExpiryDelay()).as("expiry of %s", queue).isEqualTo(Duration.ofDays(14).toMillis());
            assertThat(a.getPageLimitBytes()).as("page limit of %s", queue).isEqualTo(512L << 20);
            assertThat(a.getAddressFullMessagePolicy()).isEqualTo(AddressFullMessagePolicy.PAGE);
            assertThat(a.getPageFullMessagePolicy()).isEqualTo(PageFullMessagePolicy.DROP);
            assertThat(String.valueOf(a.getDeadLetterAddress())).as("still merged with mail.#").isEqualTo("mail.dead");
        }
    }

    @Test
    void aSetAsideMessageIsGoneAfterItsExpiry() throws Exception {
        try (Engine quick = Engine.start("domain-policies:\n  default:\n    route: 127.0.0.1:9\n",
                "caravan.broker.set-aside-expiry=1s")) {
            quick.broker().submit("no headers at all", Map.of("jobId", "expiring"));
            Thread.sleep(2500);
            assertThat(quick.broker().drain("mail.invalid", 1, Duration.ofSeconds(1))).isEmpty();
            assertThat(quick.accounting().await("r", 1, Duration.ofSeconds(5))).as("its record stays").hasSize(1);
        }
    }

    @Test
    void aBadSetAsideValueStopsTheStartNamingItsKey() {
        assertThatThrownBy(() -> Engine.start("", "caravan.broker.set-aside-max-size=lots").close())
                .hasStackTraceContaining("caravan.broker.set-aside-max-size: bad size 'lots'");
    }

    private static String lines(int size) {
        String line = "y".repeat(76) + "\r\n";
        return line.repeat(size / line.length() + 1);
    }

    private static Broker.Taken byJob(List<Broker.Taken> taken, String jobId) {
        return taken.stream().filter(t -> jobId.equals(t.properties().get("jobId"))).findFirst().orElseThrow();
    }

}
