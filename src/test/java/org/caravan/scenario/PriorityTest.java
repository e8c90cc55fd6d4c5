package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.caravan.testsupport.Broker;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.caravan.testsupport.SmtpStage;
import org.junit.jupiter.api.Test;

/**
 * Priority 9 mail queued behind a backlog of bulk (priority 1) on the same delivery queue is sent
 * first, while bulk still gets its configured share of the sends meanwhile; a priority outside
 * 0-9 sends the submission to mail.invalid.
 */
class PriorityTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int BULK = 40;
    private static final int URGENT = 16;

    @Test
    void priorityNineOvertakesQueuedBulkWhileBulkKeepsItsShare() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(Engine.routedConfig(Map.of("default", "* " + smtp.port()),
                        "max-smtp-out: 1\n") + "priority:\n  bulk-below: 5\n  bulk-share: 25%\n")) {
            CamelContext camel = engine.bean(CamelContext.class);
            camel.getRouteController().stopRoute("delivery-default-default");
            submit(engine, "bulk", BULK, "1");
            awaitDepth(engine, BULK);
            submit(engine, "urgent", URGENT, "9");
            awaitDepth(engine, BULK + URGENT);

            camel.getRouteController().startRoute("delivery-default-default");
            assertThat(smtp.awaitMessages(BULK + URGENT, WAIT)).isTrue();

            List<String> order = smtp.received().stream().map(Received::messageId).toList();
            int lastUrgent = 0;
            for (int i = 0; i < order.size(); i++) {
                if (order.get(i).contains("urgent")) {
                    lastUrgent = i;
                }
            }
            long bulkBeforeLastUrgent = order.subList(0, lastUrgent).stream().filter(id -> id.contains("bulk")).count();
            // every 4th send goes to bulk while it waits: 16 urgent take 16 + 16/3 sends at most
            assertThat(lastUrgent).as("position of the last priority 9 send in %s", order).isLessThan(URGENT + 8);
            assertThat(bulkBeforeLastUrgent).as("bulk sent while priority 9 waited, in %s", order)
                    .isGreaterThanOrEqualTo(URGENT / 3 - 1);
            assertThat(order.stream().filter(id -> id.contains("bulk")).count()).isEqualTo(BULK);
            assertThat(engine.accounting().await("d", BULK + URGENT, WAIT)).hasSize(BULK + URGENT);
        }
    }

    /** The route running all along: the backlog builds because the server answers slowly (2 consumers). */
    @Test
    void againstASlowServerPriorityNineSubmittedAfterBulkFinishesFirst() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start().stall(SmtpStage.DATA_END, Duration.ofMillis(200));
                Engine engine = Engine.start(Engine.routedConfig(Map.of("default", "* " + smtp.port()),
                        "max-smtp-out: 2\n") + "priority:\n  bulk-share: 20%\n")) {
            submit(engine, "bulk", BULK, "1");
            assertThat(smtp.awaitMessages(2, WAIT)).isTrue(); // sending has begun, the rest waits
            submit(engine, "urgent", URGENT, "9");
            assertThat(smtp.awaitMessages(BULK + URGENT, WAIT)).isTrue();

            List<String> order = smtp.received().stream().map(Received::messageId).toList();
            int firstUrgent = indexOf(order, "urgent", true);
            int lastUrgent = indexOf(order, "urgent", false);
            long bulkMeanwhile = order.subList(firstUrgent, lastUrgent).stream().filter(id -> id.contains("bulk")).count();
            long bulkAfter = order.subList(lastUrgent, order.size()).stream().filter(id -> id.contains("bulk")).count();
            // every 5th take of each consumer goes to bulk while it waits; the rest of the backlog after
            assertThat(bulkMeanwhile).as("bulk sent while priority 9 waited, in %s", order)
                    .isBetween((long) URGENT / 4 - 2, (long) URGENT / 2);
            assertThat(bulkAfter).as("bulk still queued when the last priority 9 went, in %s", order)
                    .isGreaterThan(BULK / 2);
        }
    }

    private static int indexOf(List<String> order, String kind, boolean first) {
        int at = -1;
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i).contains(kind)) {
                at = i;
                if (first) {
                    return at;
                }
            }
        }
        return at;
    }

    /** On the delivery queue: the property's priority, else the submission's own JMS priority. */
    @Test
    void theDeliveryCopyCarriesThePropertyElseTheSubmissionsJmsPriority() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(Engine.routedConfig(Map.of("default", "* " + smtp.port()), ""))) {
            engine.bean(CamelContext.class).getRouteController().stopRoute("delivery-default-default");
            try (jakarta.jms.Connection c = engine.broker().connect();
                    jakarta.jms.Session s = c.createSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE)) {
                jakarta.jms.MessageProducer p = s.createProducer(s.createQueue("mail.submit"));
                jakarta.jms.BytesMessage byProperty = s.createBytesMessage();
                byProperty.writeBytes(RoutingTest.mail("<prop@priority.test>", "a@example.org")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                byProperty.setStringProperty("priority", "7");
                p.send(byProperty, jakarta.jms.DeliveryMode.PERSISTENT, 2, 0);
                jakarta.jms.BytesMessage byJms = s.createBytesMessage();
                byJms.writeBytes(RoutingTest.mail("<jms@priority.test>", "b@example.org")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                p.send(byJms, jakarta.jms.DeliveryMode.PERSISTENT, 6, 0);
            }
            awaitDepth(engine, 2);
            Map<String, Integer> priorities = new java.util.HashMap<>();
            try (jakarta.jms.Connection c = engine.broker().connect();
                    jakarta.jms.Session s = c.createSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE)) {
                c.start();
                var browser = s.createBrowser(s.createQueue("mail.deliver.default.default")).getEnumeration();
                while (browser.hasMoreElements()) {
                    jakarta.jms.Message m = (jakarta.jms.Message) browser.nextElement();
                    priorities.put(m.getStringProperty("messageId"), m.getJMSPriority());
                    assertThat(m.getJMSDeliveryMode()).isEqualTo(jakarta.jms.DeliveryMode.PERSISTENT);
                }
            }
            assertThat(priorities).containsExactlyInAnyOrderEntriesOf(
                    Map.of("<prop@priority.test>", 7, "<jms@priority.test>", 6));
        }
    }

    @Test
    void aPriorityOutsideZeroToNineGoesToMailInvalid() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(Engine.routedConfig(Map.of("default", "* " + smtp.port()), ""))) {
            engine.broker().submit(RoutingTest.mail("<p10@priority.test>", "a@example.org"), Map.of("priority", "10"));
            engine.broker().submit(RoutingTest.mail("<pu@priority.test>", "b@example.org"), Map.of("priority", "urgent"));
            List<Broker.Taken> invalid = engine.broker().drain("mail.invalid", 2, WAIT);
            assertThat(invalid).hasSize(2).allSatisfy(m -> assertThat(m.reason()).startsWith("invalid-priority")
                    .contains("0-9"));
            assertThat(smtp.awaitMessages(1, Duration.ofSeconds(2))).isFalse();
        }
    }

    private static void submit(Engine engine, String kind, int n, String priority) {
        for (int i = 0; i < n; i++) {
            engine.broker().submit(RoutingTest.mail("<" + kind + "-" + i + "@priority.test>", "user" + i + "@example.org"),
                    Map.of("priority", priority));
        }
    }

    private static void awaitDepth(Engine engine, long depth) throws InterruptedException {
        var broker = engine.bean(org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ.class);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (broker.getActiveMQServer().locateQueue("mail.deliver.default.default").getMessageCount() < depth) {
            assertThat(System.nanoTime()).as("waiting for %d queued", depth).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
