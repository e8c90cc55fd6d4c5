package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Session;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.camel.CamelContext;
import org.caravan.testsupport.Broker;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/**
 * A delivery message that cannot be read (no envelope properties) waits on the delivery queue
 * between good ones, so that one consumer takes them all into one commit batch: the good ones are
 * each sent exactly once (none is rolled back and re-sent because of the bad one), and the bad one
 * goes straight to mail.dead with a reason.
 */
class PoisonInBatchTest {

    private static final String QUEUE = "mail.deliver.default.default";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void anUnreadableDeliveryIsParkedAloneAndItsBatchMatesAreSentOnce() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(Engine.routedConfig(Map.of("default", "* " + smtp.port()),
                        "max-smtp-out: 1\n"))) {
            CamelContext camel = engine.bean(CamelContext.class);
            camel.getRouteController().stopRoute("delivery-default-default");
            submit(engine, 0, 5);
            awaitDepth(engine, 5);
            sendUnreadable(engine);
            submit(engine, 5, 10);
            awaitDepth(engine, 11);

            camel.getRouteController().startRoute("delivery-default-default");
            assertThat(smtp.awaitMessages(10, WAIT)).isTrue();
            List<Broker.Taken> dead = engine.broker().drain("mail.dead", 1, WAIT);
            assertThat(engine.accounting().await("d", 10, WAIT)).hasSize(10);
            Thread.sleep(2000); // a rolled-back batch would be redelivered within this

            Map<String, Long> receipts = smtp.received().stream()
                    .collect(Collectors.groupingBy(Received::messageId, Collectors.counting()));
            assertThat(receipts).hasSize(10).allSatisfy((id, n) -> assertThat(n).as("receipts of %s", id).isEqualTo(1));
            assertThat(dead).singleElement().satisfies(m -> {
                assertThat(m.text()).isEqualTo("not a delivery");
                assertThat(m.reason()).startsWith("unreadable delivery message");
            });
            assertThat(engine.accounting().ofType("d")).hasSize(10);
        }
    }

    private static void submit(Engine engine, int from, int to) {
        for (int i = from; i < to; i++) {
            engine.broker().submit(RoutingTest.mail("<good-" + i + "@poison.test>", "user" + i + "@example.org"),
                    Map.of());
        }
    }

    /** Straight onto the delivery queue, past intake: a body and none of the properties a delivery carries. */
    private static void sendUnreadable(Engine engine) throws Exception {
        try (Connection c = engine.broker().connect(); Session s = c.createSession(true, Session.SESSION_TRANSACTED)) {
            BytesMessage m = s.createBytesMessage();
            m.writeBytes("not a delivery".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            var producer = s.createProducer(s.createQueue(QUEUE));
            producer.setDeliveryMode(DeliveryMode.PERSISTENT);
            producer.send(m);
            s.commit();
        }
    }

    private static void awaitDepth(Engine engine, long depth) throws InterruptedException {
        EmbeddedActiveMQ broker = engine.bean(EmbeddedActiveMQ.class);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (broker.getActiveMQServer().locateQueue(QUEUE).getMessageCount() < depth) {
            assertThat(System.nanoTime()).as("waiting for %d messages on %s", depth, QUEUE).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
