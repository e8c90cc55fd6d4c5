package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.caravan.testsupport.Engine;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.caravan.testsupport.SmtpStage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two virtual MTAs on their own loopback addresses (127.0.0.2, 127.0.0.3) and pools of them, as
 * the receiving server sees them: each session's source address and EHLO name, and each source
 * held to the policy's max-smtp-out and max-msg-rate on its own.
 */
class VirtualMtaPoolTest {

    private static final int RATE = 5; // per second, per vmta
    private static ScriptedSmtpServer server;
    private static Engine engine;

    @BeforeAll
    static void start() {
        server = ScriptedSmtpServer.start();
        engine = Engine.start("""
                virtual-mtas:
                  a: { smtp-source-host: 127.0.0.2, ehlo: a.mta.test }
                  b: { smtp-source-host: 127.0.0.3, ehlo: b.mta.test }
                virtual-mta-pools:
                  both: { vmtas: [a, b] }
                  mostly-a: { vmtas: { a: 3, b: 1 } }
                domain-policies:
                  default:
                    max-smtp-out: 1
                    max-msg-rate: %d/s
                    max-msg-per-connection: 1000
                    route: 127.0.0.1:%d
                """.formatted(RATE, server.port()));
    }

    @AfterAll
    static void stop() {
        engine.close();
        server.close();
    }

    @BeforeEach
    void clear() {
        server.reset();
    }

    @Test
    void eachVmtaConnectsFromItsOwnAddressWithItsOwnEhloName() throws Exception {
        engine.broker().submit(RoutingTest.mail("<a@test>", "x@example.org"), Map.of("vmta", "a"));
        engine.broker().submit(RoutingTest.mail("<b@test>", "y@example.org"), Map.of("vmta", "b"));
        assertThat(server.awaitMessages(2, Duration.ofSeconds(30))).isTrue();

        Map<String, String> seen = new TreeMap<>();
        for (Received r : server.received()) {
            seen.put(r.messageId(), server.peerOf(r.sessionId()) + " " + server.ehloOf(r.sessionId()));
        }
        assertThat(seen).containsEntry("<a@test>", "127.0.0.2 a.mta.test").containsEntry("<b@test>", "127.0.0.3 b.mta.test");
    }

    @Test
    void aRoundRobinPoolSplitsSubmissionsEvenlyAndHoldsEachSourceToThePolicyLimitsOnItsOwn() throws Exception {
        server.stall(SmtpStage.DATA_END, Duration.ofMillis(50));
        int n = 4 * RATE; // two seconds' worth for each vmta
        submit(n, "both", "rr");
        assertThat(server.awaitMessages(n, Duration.ofSeconds(60))).isTrue();

        Map<String, Long> bySource = bySource(server.received());
        assertThat(bySource).containsOnly(Map.entry("127.0.0.2", (long) n / 2), Map.entry("127.0.0.3", (long) n / 2));
        assertThat(server.peakConcurrentSessionsFrom("127.0.0.2")).as("max-smtp-out per source").isEqualTo(1);
        assertThat(server.peakConcurrentSessionsFrom("127.0.0.3")).as("max-smtp-out per source").isEqualTo(1);
        assertThat(server.peakConcurrentSessions()).as("the two sources send side by side").isEqualTo(2);
        for (String source : bySource.keySet()) {
            assertThat(maxInOneSecond(server.received(), source)).as("max-msg-rate from " + source)
                    .isLessThanOrEqualTo(RATE);
        }
        assertThat(maxInOneSecond(server.received(), null)).as("the two rates add up").isGreaterThan(RATE);
    }

    @Test
    void aWeightedPoolSendsInProportionToTheWeights() throws Exception {
        submit(8, "mostly-a", "w");
        assertThat(server.awaitMessages(8, Duration.ofSeconds(60))).isTrue();

        assertThat(bySource(server.received()))
                .containsOnly(Map.entry("127.0.0.2", 6L), Map.entry("127.0.0.3", 2L));
        // the server's 250 comes before the 'd' record is written: wait for all eight
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Map<String, Long> byVmta;
        do {
            byVmta = engine.accounting().ofType("d").stream().filter(r -> r.get("rcpt").startsWith("w"))
                    .map(r -> r.get("vmta")).collect(Collectors.groupingBy(v -> v, Collectors.counting()));
        } while (byVmta.values().stream().mapToLong(Long::longValue).sum() < 8 && System.nanoTime() < deadline
                && sleep(50));
        assertThat(byVmta).containsOnly(Map.entry("a", 6L), Map.entry("b", 2L));
    }

    private static void submit(int n, String vmta, String prefix) {
        List<byte[]> mails = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            mails.add(RoutingTest.mail("<" + prefix + i + "@test>", prefix + i + "@example.org").getBytes());
        }
        engine.broker().submitAll(mails, Map.of("vmta", vmta));
    }

    private static Map<String, Long> bySource(List<Received> received) {
        return received.stream().collect(Collectors.groupingBy(r -> server.peerOf(r.sessionId()), Collectors.counting()));
    }

    /** The most messages from one source (null: from any) the server accepted within any one second. */
    private static int maxInOneSecond(List<Received> received, String source) {
        List<Long> times = received.stream().filter(r -> source == null || source.equals(server.peerOf(r.sessionId())))
                .map(Received::nanoTime).sorted().toList();
        int most = 0;
        for (int i = 0, j = 0; i < times.size(); i++) {
            while (times.get(i) - times.get(j) >= 1_000_000_000L) {
                j++;
            }
            most = Math.max(most, i - j + 1);
        }
        return most;
    }

    private static boolean sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
        return true;
    }
}
