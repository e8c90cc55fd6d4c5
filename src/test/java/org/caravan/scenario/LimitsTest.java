package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.caravan.testsupport.Engine;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/**
 * A policy's limits hold as the receiving server sees them: max-msg-rate in every one-second
 * window, max-smtp-out as concurrent sessions, max-msg-per-connection per session, with sessions reused.
 */
class LimitsTest {

    private static final String DOMAIN = "limits.test";
    private static final long ONE_SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aRateOf20PerSecondIsNeverExceededInAnySecond() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(config(smtp.port(), "max-msg-rate: 20/s\n"))) {
            List<String> ids = submit(engine, "rate", 200);

            assertThat(smtp.awaitMessages(200, Duration.ofSeconds(40))).as("all 200 delivered").isTrue();
            assertThat(engine.accounting().await("d", 200, Duration.ofSeconds(10))).hasSize(200);
            Thread.sleep(1000); // a duplicate, if any, would arrive now

            List<Received> received = smtp.received();
            assertDeliveredOnce(received, ids);
            assertThat(engine.accounting().ofType("d")).hasSize(200)
                    .extracting(r -> r.get("rcpt")).doesNotHaveDuplicates();
            long[] times = received.stream().mapToLong(Received::nanoTime).sorted().toArray();
            Window densest = Window.densest(times, ONE_SECOND_NANOS);
            System.out.printf("LimitsTest rate: %s; first to 200th %.2f s%n", densest, (times[199] - times[0]) / 1e9);
            assertThat(densest.count()).as("most accepted in any 1 s window (%s)", densest).isLessThanOrEqualTo(20);
            // 20/s is spread as one per 50 ms, so 200 messages span 199 x 50 ms = 9.95 s
            assertThat(times[199] - times[0]).as("nanos from first to 200th").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(9000));
        }
    }

    @Test
    void neverMoreSessionsAtOnceThanMaxSmtpOut() throws Exception {
        // short sessions, so the cap must also hold while sessions are retired and replaced
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(config(smtp.port(), "max-smtp-out: 3\nmax-msg-per-connection: 25\n"))) {
            List<String> ids = submit(engine, "out", 300);

            assertThat(smtp.awaitMessages(300, Duration.ofSeconds(40))).as("all 300 delivered").isTrue();
            assertThat(engine.accounting().await("d", 300, Duration.ofSeconds(10))).hasSize(300);
            Thread.sleep(500);

            assertDeliveredOnce(smtp.received(), ids);
            System.out.printf("LimitsTest smtp-out: peak %d sessions, %d connections for 300 messages%n",
                    smtp.peakConcurrentSessions(), smtp.connections());
            assertThat(smtp.peakConcurrentSessions()).as("peak concurrent sessions").isLessThanOrEqualTo(3);
            assertThat(smtp.peakConcurrentSessions()).as("sessions in parallel").isGreaterThan(1);
        }
    }

    @Test
    void sessionsAreReusedUpToMaxMsgPerConnection() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(config(smtp.port(), "max-smtp-out: 4\nmax-msg-per-connection: 10\n"))) {
            List<String> ids = submit(engine, "reuse", 200);

            assertThat(smtp.awaitMessages(200, Duration.ofSeconds(40))).as("all 200 delivered").isTrue();
            assertThat(engine.accounting().await("d", 200, Duration.ofSeconds(10))).hasSize(200);
            Thread.sleep(500);

            assertDeliveredOnce(smtp.received(), ids);
            Map<Integer, Integer> perConnection = smtp.messagesPerConnection();
            System.out.printf("LimitsTest per-connection: %d connections for 200 messages, at most %d on one%n",
                    smtp.connections(), smtp.maxMessagesPerConnection());
            assertThat(perConnection.values()).as("messages on each connection").allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(10));
            assertThat(perConnection.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(200);
            assertThat(smtp.connections()).as("connections for 200 messages").isBetween(200 / 10, 200 / 5);
        }
    }

    /** One policy for DOMAIN with the given limits, and a default that nothing here reaches; both to the test server. */
    private static String config(int port, String limits) {
        return "domain-policies:\n"
                + "  limited:\n"
                + "    match: [" + DOMAIN + "]\n"
                + "    route: 127.0.0.1:" + port + "\n"
                + limits.indent(4)
                + "  default:\n"
                + "    route: 127.0.0.1:" + port + "\n";
    }

    /** Submits n one-recipient messages in transactions of 100; returns their Message-IDs. */
    private static List<String> submit(Engine engine, String tag, int n) {
        List<String> ids = new ArrayList<>(n);
        List<byte[]> bodies = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String id = "<" + tag + "-" + i + "@" + DOMAIN + ">";
            ids.add(id);
            bodies.add(("From: Sender <sender@example.net>\r\n"
                    + "To: rcpt" + i + "@" + DOMAIN + "\r\n"
                    + "Subject: limits " + i + "\r\n"
                    + "Message-ID: " + id + "\r\n"
                    + "\r\n"
                    + "Message " + i + ".\r\n").getBytes(StandardCharsets.UTF_8));
        }
        engine.broker().submitAll(bodies, Map.of());
        return ids;
    }

    /** Every submitted message arrived, each exactly once. */
    private static void assertDeliveredOnce(List<Received> received, List<String> ids) {
        List<String> seen = received.stream().map(Received::messageId).toList();
        assertThat(seen).as("Message-IDs at the server").doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        Set<String> recipients = new HashSet<>();
        received.forEach(r -> recipients.addAll(r.rcptTo()));
        assertThat(recipients).hasSize(ids.size());
    }

    /** The densest half-open window [t, t + length) over sorted times: how many, from which index, spanning how long. */
    record Window(int count, int first, long spanNanos) {

        static Window densest(long[] sortedNanos, long lengthNanos) {
            Window best = new Window(0, 0, 0);
            int end = 0;
            for (int start = 0; start < sortedNanos.length; start++) {
                while (end < sortedNanos.length && sortedNanos[end] - sortedNanos[start] < lengthNanos) {
                    end++;
                }
                if (end - start > best.count()) {
                    best = new Window(end - start, start, sortedNanos[end - 1] - sortedNanos[start]);
                }
            }
            return best;
        }

        @Override
        public String toString() {
            return String.format("%d accepted within %.1f ms from #%d", count, spanNanos / 1e6, first);
        }
    }
}
