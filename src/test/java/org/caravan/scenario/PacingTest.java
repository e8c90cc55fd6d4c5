package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.management.Attribute;
import javax.management.ObjectName;

import org.apache.activemq.artemis.api.core.management.QueueControl;
import org.apache.activemq.artemis.api.core.management.ResourceNames;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pacing as the receiving server sees it: consecutive messages of a (vmta, policy) 1/rate apart
 * (max-msg-burst may go together), new connections 1/max-conn-rate apart, a rate set over JMX
 * applied to the next message, and a waiting policy leaving its mail on the queue rather than "in
 * delivery". One engine, one policy and one server per case. The policies carry backoff blocks as
 * the shipped ones do (a slower backoff rate once made the old Throttle's period long and bursty).
 */
class PacingTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Map<String, ScriptedSmtpServer> SERVERS = new LinkedHashMap<>();
    private static Engine engine;

    @BeforeAll
    static void start() {
        for (String policy : List.of("hourly", "fast", "conns", "bursty", "steered", "default")) {
            SERVERS.put(policy, ScriptedSmtpServer.start());
        }
        engine = Engine.start("""
                domain-policies:
                  hourly:
                    match: [hourly.test]
                    route: 127.0.0.1:%d
                    max-smtp-out: 3
                    max-msg-rate: 2000/h
                    backoff: {patterns: ["421 4.7.0"], max-msg-rate: 200/h}
                  fast:
                    match: [fast.test]
                    route: 127.0.0.1:%d
                    max-smtp-out: 4
                    max-msg-rate: 20/s
                    backoff: {patterns: ["421 4.7.0"], max-msg-rate: 2/s}
                  conns:
                    match: [conns.test]
                    route: 127.0.0.1:%d
                    max-smtp-out: 3
                    max-msg-per-connection: 1
                    max-conn-rate: 12/m
                  bursty:
                    match: [bursty.test]
                    route: 127.0.0.1:%d
                    max-smtp-out: 4
                    max-msg-rate: 2000/h
                    max-msg-burst: 3
                  steered:
                    match: [steered.test]
                    route: 127.0.0.1:%d
                    max-smtp-out: 2
                    max-msg-rate: 6/m
                  default:
                    route: 127.0.0.1:%d
                """.formatted(SERVERS.values().stream().map(ScriptedSmtpServer::port).toArray()));
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
        SERVERS.values().forEach(ScriptedSmtpServer::close);
    }

    @Test
    void at2000AnHourMessagesAre1800msApartAndTheRestStayQueued() throws Exception {
        ScriptedSmtpServer smtp = SERVERS.get("hourly");
        submit("hourly", 12);
        QueueControl queue = queueControl("mail.deliver.default.hourly");
        long most = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (smtp.messageCount() < 4 && System.nanoTime() < deadline) {
            most = Math.max(most, queue.getDeliveringCount());
            Thread.sleep(50);
        }
        long queued = queue.getMessageCount();
        long[] at = arrivals(smtp);
        System.out.printf("PacingTest hourly: gaps %s ms, most delivering %d, queued %d%n", gapsMillis(at), most, queued);
        assertThat(at.length).as("delivered within 15 s").isGreaterThanOrEqualTo(4);
        for (int i = 1; i < 4; i++) {
            assertThat(at[i] - at[i - 1]).as("gap before #%d (ms %s)", i, gapsMillis(at)).isGreaterThanOrEqualTo(1600 * MS);
        }
        assertThat(most).as("messages in delivery while the policy waits (3 consumers)").isLessThanOrEqualTo(3);
        assertThat(queued).as("messages still on the queue").isGreaterThanOrEqualTo(7);
    }

    @Test
    void at20ASecondNo100msHoldsMoreThanTwo() throws Exception {
        ScriptedSmtpServer smtp = SERVERS.get("fast");
        submit("fast", 40);
        assertThat(smtp.awaitMessages(40, Duration.ofSeconds(20))).as("all 40 delivered").isTrue();
        long[] at = arrivals(smtp);
        // one each 50 ms puts the third of three exactly 100 ms after the first; arrivals at the
        // server carry scheduling jitter of a fraction of a millisecond to a few, so 5 ms are allowed
        LimitsTest.Window densest = LimitsTest.Window.densest(at, 95 * MS);
        LimitsTest.Window strict = LimitsTest.Window.densest(at, 100 * MS);
        System.out.printf("PacingTest fast: densest 95 ms: %s; densest 100 ms: %s; first to last %.2f s%n", densest,
                strict, (at[39] - at[0]) / 1e9);
        assertThat(densest.count()).as("most accepted in any 95 ms (%s)", densest).isLessThanOrEqualTo(2);
        assertThat(strict.count()).as("most accepted in any 100 ms (%s)", strict).isLessThanOrEqualTo(3);
        assertThat(at[39] - at[0]).as("39 gaps of 50 ms").isGreaterThanOrEqualTo(1900 * MS);
    }

    @Test
    void at12ConnectionsAMinuteOneNewConnectionEach5Seconds() throws Exception {
        ScriptedSmtpServer smtp = SERVERS.get("conns");
        submit("conns", 3);
        assertThat(smtp.awaitMessages(3, Duration.ofSeconds(30))).as("all 3 delivered").isTrue();
        List<Long> opened = smtp.connectionTimes();
        long[] at = opened.stream().mapToLong(Long::longValue).toArray();
        System.out.printf("PacingTest conns: %d connections, gaps %s ms%n", at.length, gapsMillis(at));
        assertThat(at).as("one connection per message (max-msg-per-connection 1)").hasSize(3);
        for (int i = 1; i < at.length; i++) {
            assertThat(at[i] - at[i - 1]).as("gap before connection #%d", i).isBetween(4_500 * MS, 6_000 * MS);
        }
    }

    @Test
    void aBurstOfThreeGoesTogetherThenOneEach1800ms() throws Exception {
        ScriptedSmtpServer smtp = SERVERS.get("bursty");
        submit("bursty", 5);
        assertThat(smtp.awaitMessages(5, Duration.ofSeconds(15))).as("all 5 delivered").isTrue();
        long[] at = arrivals(smtp);
        System.out.printf("PacingTest bursty: gaps %s ms%n", gapsMillis(at));
        assertThat(at[2] - at[0]).as("the burst of 3 together").isLessThan(1000 * MS);
        assertThat(at[3] - at[0]).as("the 4th one interval after the burst").isGreaterThanOrEqualTo(1600 * MS);
        assertThat(at[4] - at[3]).as("then one each 1.8 s").isGreaterThanOrEqualTo(1600 * MS);
    }

    @Test
    void aRateSetOverJmxAppliesToTheMessageWaitingForItsSlot() throws Exception {
        ScriptedSmtpServer smtp = SERVERS.get("steered");
        submit("steered", 3);
        assertThat(smtp.awaitMessages(1, Duration.ofSeconds(10))).as("the first goes at once").isTrue();
        Thread.sleep(1500);
        assertThat(smtp.messageCount()).as("the second waits its 10 s slot at 6/m").isEqualTo(1);

        ObjectName mbean = new ObjectName("org.caravan:type=Policy,vmta=default,name=steered");
        ManagementFactory.getPlatformMBeanServer().setAttribute(mbean, new Attribute("MaxMsgRate", "20/s"));
        long changed = System.nanoTime();
        assertThat(smtp.awaitMessages(3, Duration.ofSeconds(5))).as("the rest at 20/s").isTrue();
        long[] at = arrivals(smtp);
        System.out.printf("PacingTest steered: the rest %.0f ms after the change%n", (at[2] - changed) / 1e6);
        assertThat(at[2] - changed).as("the last two after the change to 20/s").isLessThan(2000 * MS);
    }

    private static void submit(String policy, int n) {
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            bodies.add(("From: Sender <sender@example.net>\r\n"
                    + "To: rcpt" + i + "@" + policy + ".test\r\n"
                    + "Subject: pacing " + i + "\r\n"
                    + "Message-ID: <" + policy + "-" + i + "@pacing.test>\r\n"
                    + "\r\n"
                    + "Message " + i + ".\r\n").getBytes(StandardCharsets.UTF_8));
        }
        engine.broker().submitAll(bodies, Map.of());
    }

    /** Server-side acceptance times (System.nanoTime), ascending. */
    private static long[] arrivals(ScriptedSmtpServer smtp) {
        return smtp.received().stream().mapToLong(Received::nanoTime).sorted().toArray();
    }

    private static List<Long> gapsMillis(long[] nanos) {
        List<Long> out = new ArrayList<>();
        for (int i = 1; i < nanos.length; i++) {
            out.add((nanos[i] - nanos[i - 1]) / MS);
        }
        return out;
    }

    /** The embedded broker's control of a queue, once the queue exists. */
    private static QueueControl queueControl(String name) throws InterruptedException {
        var management = engine.bean(EmbeddedActiveMQ.class).getActiveMQServer().getManagementService();
        for (int i = 0; i < 100; i++) {
            Object control = management.getResource(ResourceNames.QUEUE + name);
            if (control != null) {
                return (QueueControl) control;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no queue " + name);
    }
}
