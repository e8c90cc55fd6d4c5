package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.caravan.testsupport.SmtpStage;
import org.junit.jupiter.api.Test;

/**
 * bench/priority.sh: time in queue (submitted to received by the server) of priority 9 mail and
 * of bulk (priority 1) under load: one in ten submissions priority 9, all submitted faster than
 * the server (20 ms per DATA, 2 sessions) takes them, so a backlog builds. Run twice: with the
 * priority block (bulk-share 10%) and, for comparison, with every submission at one priority.
 * Runs only with -Dpriority.bench=true; prints its figures.
 */
class PriorityBench {

    private static final int MESSAGES = Integer.getInteger("priority.bench.messages", 1000);

    @Test
    void medianTimeInQueueByPriority() throws Exception {
        assumeTrue(Boolean.getBoolean("priority.bench"), "a benchmark: -Dpriority.bench=true");
        System.out.printf("priority bench: %d messages (1 in 10 priority 9, the rest priority 1), server 20 ms per DATA, max-smtp-out 2%n",
                MESSAGES);
        run(true);
        run(false);
    }

    private static void run(boolean prioritised) throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start().stall(SmtpStage.DATA_END, Duration.ofMillis(20));
                Engine engine = Engine.start(Engine.routedConfig(Map.of("default", "* " + smtp.port()),
                        "max-smtp-out: 2\n") + "priority:\n  bulk-below: 5\n  bulk-share: 10%\n")) {
            Map<String, Long> submitted = new HashMap<>();
            Map<String, Long> received = new HashMap<>();
            Thread watcher = new Thread(() -> watch(smtp, received), "receipts");
            watcher.setDaemon(true);
            watcher.start();
            try (Connection c = engine.broker().connect(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
                MessageProducer p = s.createProducer(s.createQueue("mail.submit"));
                p.setDeliveryMode(DeliveryMode.PERSISTENT);
                for (int i = 0; i < MESSAGES; i++) {
                    boolean urgent = i % 10 == 9;
                    String id = "<" + (urgent ? "urgent-" : "bulk-") + i + "@bench.test>";
                    BytesMessage m = s.createBytesMessage();
                    m.writeBytes(RoutingTest.mail(id, "user" + i + "@example.org").getBytes(StandardCharsets.UTF_8));
                    m.setStringProperty("priority", prioritised ? (urgent ? "9" : "1") : "1");
                    synchronized (submitted) {
                        submitted.put(id, System.nanoTime());
                    }
                    p.send(m);
                }
            }
            assertThat(smtp.awaitMessages(MESSAGES, Duration.ofMinutes(5))).isTrue();
            Thread.sleep(50);
            watcher.interrupt();
            List<Long> urgent = new ArrayList<>();
            List<Long> bulk = new ArrayList<>();
            synchronized (received) {
                received.forEach((id, at) -> (id.contains("urgent") ? urgent : bulk).add((at - submitted.get(id)) / 1_000_000));
            }
            List<String> order = smtp.received().stream().map(Received::messageId).toList();
            int last = 0;
            for (int i = 0; i < order.size(); i++) {
                last = order.get(i).contains("urgent") ? i : last;
            }
            long bulkShare = order.subList(0, last + 1).stream().filter(id -> id.contains("bulk")).count();
            System.out.printf("%-32s priority 9: median %5d ms, p90 %5d ms | bulk: median %5d ms, p90 %5d ms | "
                    + "bulk sends until the last priority 9: %d of %d%n",
                    prioritised ? "priority 9 vs 1, bulk-share 10%:" : "all at one priority (FIFO):",
                    pct(urgent, 50), pct(urgent, 90), pct(bulk, 50), pct(bulk, 90), bulkShare, last + 1);
        }
    }

    private static void watch(ScriptedSmtpServer smtp, Map<String, Long> received) {
        int seen = 0;
        while (!Thread.currentThread().isInterrupted()) {
            List<Received> all = smtp.received();
            long now = System.nanoTime();
            synchronized (received) {
                for (int i = seen; i < all.size(); i++) {
                    received.putIfAbsent(all.get(i).messageId(), now);
                }
            }
            seen = all.size();
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static long pct(List<Long> values, int p) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
    }
}
