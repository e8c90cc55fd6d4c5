package org.caravan.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.management.ObjectName;

import org.apache.activemq.artemis.api.core.management.QueueControl;
import org.apache.activemq.artemis.api.core.management.ResourceNames;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.MutableClock;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A warm-up schedule of 3, 5, 8 a day on the default vmta's "warm" policy, one engine and one
 * server, its clock moved by hand: day 1 holds to 3 with the rest queued, a good day raises the
 * cap, a day with a backoff repeats, and the day and count survive a restart.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WarmUpTest {

    private static final String QUEUE = "mail.deliver.default.warm";
    private static final MutableClock CLOCK = new MutableClock();
    private static ScriptedSmtpServer smtp;
    private static Engine engine;
    private static int submitted;

    @BeforeAll
    static void start() {
        smtp = ScriptedSmtpServer.start();
        smtp.rcptReplies("trouble@warm.test", "421 4.7.0 Try again later, closing connection.", "250 2.1.5 OK");
        engine = Engine.start("""
                domain-policies:
                  warm:
                    match: [warm.test]
                    route: 127.0.0.1:%d
                    max-smtp-out: 2
                    backoff: {patterns: ["421 4.7.0"], max-msg-rate: 100/s}
                  default:
                    route: 127.0.0.1:%d
                warm-up:
                  schedules:
                    new-ip:
                      max-msg-per-day: [3, 5, 8]
                      advance-at: 100%%
                  virtual-mtas:
                    default: {schedule: new-ip, domain-policies: [warm]}
                """.formatted(smtp.port(), smtp.port()), CLOCK);
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
        if (smtp != null) {
            smtp.close();
        }
    }

    @Test
    @Order(1)
    void dayOneSendsItsCapAndTheRestWaitOnTheQueue() throws Exception {
        submit(5);
        assertThat(smtp.awaitMessages(3, Duration.ofSeconds(15))).as("day 1's 3 delivered").isTrue();
        Thread.sleep(2000);
        assertThat(smtp.messageCount()).as("received on day 1").isEqualTo(3);
        assertThat(queue().getMessageCount()).as("waiting on the queue").isEqualTo(2);
        assertThat(queue().getDeliveringCount()).as("none taken while over the cap").isZero();
        assertThat(attr("Day")).isEqualTo(1);
        assertThat(attr("SentToday")).isEqualTo(3L);
    }

    @Test
    @Order(2)
    void afterAGoodDayTheCapRises() throws Exception {
        CLOCK.advance(Duration.ofDays(1).plusMinutes(1));
        submit(4);
        assertThat(smtp.awaitMessages(8, Duration.ofSeconds(15))).as("day 2's 5 delivered").isTrue();
        Thread.sleep(2000);
        assertThat(smtp.messageCount()).as("3 on day 1 and 5 on day 2").isEqualTo(8);
        assertThat(queue().getMessageCount()).as("one waits for day 3").isEqualTo(1);
        assertThat(attr("Day")).isEqualTo(2);
        assertThat(attr("DailyCap")).isEqualTo(5L);
    }

    @Test
    @Order(3)
    void aDayWithABackoffIsRepeated() throws Exception {
        CLOCK.advance(Duration.ofDays(1).plusMinutes(1));
        assertThat(attr("Day")).as("day 2 was sent in full").isEqualTo(3);
        submitTo("trouble@warm.test");
        submit(6);
        // 1 left from day 2, the deferred one, 6 more: 8 attempts, 7 accepted
        assertThat(smtp.awaitMessages(15, Duration.ofSeconds(20))).as("day 3's accepted").isTrue();
        Thread.sleep(2000);
        assertThat(attr("SentToday")).as("day 3's attempts").isEqualTo(8L);
        assertThat((Boolean) attr("TroubleToday")).as("backoff seen today").isTrue();
        CLOCK.advance(Duration.ofDays(1).plusMinutes(1));
        assertThat(attr("Day")).as("a troubled day is repeated").isEqualTo(3);
        assertThat(attr("SentToday")).isEqualTo(0L);
    }

    @Test
    @Order(4)
    void theDayAndItsCountSurviveARestart() throws Exception {
        submit(2);
        assertThat(smtp.awaitMessages(smtp.messageCount() + 2, Duration.ofSeconds(15))).isTrue();
        Thread.sleep(1000);
        long sent = (Long) attr("SentToday");
        assertThat(sent).isGreaterThanOrEqualTo(2L);
        engine.restart();
        assertThat(attr("Day")).as("day after restart").isEqualTo(3);
        assertThat(attr("SentToday")).as("count after restart").isEqualTo(sent);
    }

    private static Object attr(String name) throws Exception {
        return ManagementFactory.getPlatformMBeanServer()
                .getAttribute(new ObjectName("org.caravan:type=WarmUp,vmta=default,name=warm"), name);
    }

    private static void submit(int n) {
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            bodies.add(message("rcpt" + (submitted++) + "@warm.test"));
        }
        engine.broker().submitAll(bodies, Map.of());
    }

    private static void submitTo(String rcpt) {
        engine.broker().submitAll(List.of(message(rcpt)), Map.of());
        submitted++;
    }

    private static byte[] message(String rcpt) {
        return ("From: Sender <sender@example.net>\r\nTo: " + rcpt + "\r\nSubject: warm " + submitted
                + "\r\nMessage-ID: <warm-" + submitted + "-" + System.nanoTime() + "@warm.test>\r\n\r\nHello.\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static QueueControl queue() throws InterruptedException {
        var management = engine.bean(EmbeddedActiveMQ.class).getActiveMQServer().getManagementService();
        for (int i = 0; i < 100; i++) {
            Object control = management.getResource(ResourceNames.QUEUE + QUEUE);
            if (control != null) {
                return (QueueControl) control;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no queue " + QUEUE);
    }
}
