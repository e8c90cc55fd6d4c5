package org.caravan.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import org.caravan.testsupport.Closing;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A new source (vmta "fresh", 127.0.0.2) warmed up at 3 a day with overflow to a warm one
 * ("seasoned", 127.0.0.3): the first 3 recipients of the day go from the new address, the rest
 * from the warm one, as the receiving server sees them; without overflow they would wait.
 */
class WarmOverflowTest {

    private static ScriptedSmtpServer smtp;
    private static Engine engine;

    @BeforeAll
    static void start() {
        smtp = ScriptedSmtpServer.start();
        engine = Engine.start("""
                virtual-mtas:
                  fresh: { smtp-source-host: 127.0.0.2, ehlo: fresh.mta.test }
                  seasoned: { smtp-source-host: 127.0.0.3, ehlo: seasoned.mta.test }
                domain-policies:
                  default:
                    route: 127.0.0.1:%d
                warm-up:
                  schedules:
                    new-ip:
                      max-msg-per-day: [3, 10]
                  virtual-mtas:
                    fresh: {schedule: new-ip, overflow: seasoned}
                """.formatted(smtp.port()));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.all(engine, smtp);
    }

    @Test
    void mailOverTheDaysCapGoesThroughTheWarmVmta() throws Exception {
        for (int i = 1; i <= 7; i++) {
            engine.broker().submit("From: Sender <sender@example.net>\r\nTo: r" + i + "@example.org\r\n"
                    + "Subject: warm-up\r\nMessage-ID: <w" + i + "@test>\r\n\r\nHello.\r\n", Map.of("vmta", "fresh"));
        }
        assertThat(smtp.awaitMessages(7, Duration.ofSeconds(30))).as("all 7 delivered on day 1").isTrue();
        Map<String, Integer> perSource = new TreeMap<>();
        for (Received r : smtp.received()) {
            perSource.merge(smtp.peerOf(r.sessionId()), 1, Integer::sum);
        }
        assertThat(perSource).as("recipients per source address").containsExactly(
                Map.entry("127.0.0.2", 3), Map.entry("127.0.0.3", 4));
        assertThat(engine.accounting().ofType("d")).extracting(r -> r.get("vmta"))
                .containsOnly("fresh", "seasoned").filteredOn("fresh"::equals).hasSize(3);
    }
}
