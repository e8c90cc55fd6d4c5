package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import javax.management.Attribute;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.commons.csv.CSVRecord;
import org.caravan.delivery.DeliveryLines;
import org.caravan.delivery.PolicyState;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A provider that answers "421 4.7.0 ... slow down" puts its policy into backoff mode: delivery
 * drops to the backoff max-msg-rate (1/s here) until an operator ends backoff over JMX, which
 * restores the normal (unlimited) speed; a max-msg-rate set over JMX takes effect at once.
 * One engine with two policies, each with its own server: 'slow' (unlimited, backoff 1/s) and
 * 'steady' (20/s, no backoff).
 */
class BackoffTest {

    private static final String POLICY = "slow";
    private static final String STEADY = "steady";
    /** Server-side arrival times carry SMTP and scheduling jitter: a 1 s spacing is checked as >= 900 ms. */
    private static final long ONE_SECOND_WITH_JITTER = 900;
    private static final DateTimeFormatter ACCT_TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC);

    private static ScriptedSmtpServer smtp;
    private static ScriptedSmtpServer steadySmtp;
    private static Engine engine;
    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();

    @BeforeAll
    static void start() {
        smtp = ScriptedSmtpServer.start();
        steadySmtp = ScriptedSmtpServer.start();
        engine = Engine.start(config(smtp.port(), steadySmtp.port()));
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
        for (ScriptedSmtpServer server : new ScriptedSmtpServer[] {smtp, steadySmtp}) {
            if (server != null) {
                server.close();
            }
        }
    }

    /** How long after backoff starts a delivery already past the pace step may still arrive. */
    private static final long IN_FLIGHT_MILLIS = 300;

    @Test
    void aBackoffReplySlowsThePolicyUntilTheOperatorEndsBackoff() throws Exception {
        ObjectName mbean = mbean(POLICY);
        PolicyState state = engine.bean(DeliveryLines.class).get("default", POLICY).state();
        assertThat(jmx.getAttribute(mbean, "InBackoff")).isEqualTo(false);
        assertThat(jmx.getAttribute(mbean, "BackoffMaxMsgRate")).isEqualTo("1/s");

        // 1. a burst against a server that takes 3 a second: the 4th gets 421 4.7.0 and backoff starts
        smtp.rateLimit(3);
        engine.broker().submitAll(mails("burst", 8, "slow.test"), Map.of());
        awaitTrue(() -> state.isInBackoff(), Duration.ofSeconds(15), "policy enters backoff");
        assertThat(jmx.getAttribute(mbean, "InBackoff")).isEqualTo(true);
        assertThat(jmx.getAttribute(mbean, "MsgIntervalMillis")).as("one message a second").isEqualTo(1000L);
        assertThat(smtp.awaitMessages(8, Duration.ofSeconds(25))).as("all 8 of the burst delivered").isTrue();

        List<CSVRecord> deferrals = records("t", POLICY);
        assertThat(deferrals).isNotEmpty().allSatisfy(r -> assertThat(r.get("dsnDiag")).contains("421 4.7.0"));
        long backoffStart = deferrals.stream().mapToLong(BackoffTest::timeLogged).min().orElseThrow();
        // a delivery that had taken its slot before the first 421 was logged may still arrive just after it
        List<Long> afterBackoff = arrivals(smtp.received(), "burst").stream()
                .filter(t -> t >= backoffStart + IN_FLIGHT_MILLIS).toList();
        assertThat(afterBackoff).as("deliveries held back by backoff").hasSizeGreaterThanOrEqualTo(2);
        assertThat(gaps(afterBackoff)).as("gaps (ms) between deliveries in backoff at 1/s, after %d", backoffStart)
                .allSatisfy(gap -> assertThat(gap).isGreaterThanOrEqualTo(ONE_SECOND_WITH_JITTER));
        assertThat(state.isInBackoff()).as("to-normal-after 1h has not passed").isTrue();

        // 2. the operator ends backoff (the provider has calmed down): normal, unlimited speed again
        smtp.rateLimit(0);
        jmx.invoke(mbean, "endBackoff", null, null);
        assertThat(jmx.getAttribute(mbean, "InBackoff")).isEqualTo(false);
        assertThat(state.isInBackoff()).isFalse();
        engine.broker().submitAll(mails("calm", 6, "slow.test"), Map.of());
        assertThat(smtp.awaitMessages(14, Duration.ofSeconds(15))).as("the 6 after backoff delivered").isTrue();
        assertThat(busiestSecond(arrivals(smtp.received(), "calm")))
                .as("deliveries in the busiest second after endBackoff (backoff allows 1)")
                .isGreaterThan(1);

        // 3. a max-msg-rate set over JMX holds from the next message on
        jmx.setAttribute(mbean, new Attribute("MaxMsgRate", "2/s"));
        assertThat(jmx.getAttribute(mbean, "MaxMsgRate")).isEqualTo("2/s");
        assertThat(state.getMsgIntervalMillis()).as("one message each 500 ms").isEqualTo(500L);
        engine.broker().submitAll(mails("steered", 6, "slow.test"), Map.of());
        assertThat(smtp.awaitMessages(20, Duration.ofSeconds(15))).as("the 6 at 2/s delivered").isTrue();
        List<Long> steered = arrivals(smtp.received(), "steered");
        assertThat(steered).hasSize(6);
        for (int i = 0; i + 2 < steered.size(); i++) {
            assertThat(steered.get(i + 2) - steered.get(i))
                    .as("3 deliveries at 2/s span at least a second: arrivals %s", steered)
                    .isGreaterThanOrEqualTo(ONE_SECOND_WITH_JITTER);
        }
        awaitTrue(() -> records("d", POLICY).size() >= 20, Duration.ofSeconds(5), "20 'd' records");
        assertThat(records("d", POLICY)).hasSize(20);
        assertThat(records("b", POLICY)).isEmpty();
    }

    /** A policy with its own rate (20/s): a lower rate set over JMX holds from the next message on. */
    @Test
    void aLowerRateSetOverJmxHoldsOnAPolicyWithItsOwnRate() throws Exception {
        ObjectName mbean = mbean(STEADY);
        PolicyState state = engine.bean(DeliveryLines.class).get("default", STEADY).state();
        assertThat(jmx.getAttribute(mbean, "MaxMsgRate")).isEqualTo("20/s");

        jmx.setAttribute(mbean, new Attribute("MaxMsgRate", "2/s"));
        assertThat(jmx.getAttribute(mbean, "MaxMsgRate")).isEqualTo("2/s");
        engine.broker().submitAll(mails("lowered", 6, "steady.test"), Map.of());
        assertThat(steadySmtp.awaitMessages(6, Duration.ofSeconds(15))).as("the 6 at 2/s delivered").isTrue();
        List<Long> lowered = arrivals(steadySmtp.received(), "lowered");
        assertThat(lowered).hasSize(6);
        assertThat(busiestSecond(lowered))
                .as("deliveries in the busiest second at 2/s: gaps %s, one each %d ms", gaps(lowered),
                        state.getMsgIntervalMillis())
                .isLessThanOrEqualTo(2);
    }

    private static ObjectName mbean(String policy) throws Exception {
        return new ObjectName("org.caravan:type=Policy,vmta=default,name=" + policy);
    }

    private static List<CSVRecord> records(String type, String policy) {
        return engine.accounting().ofType(type).stream().filter(r -> policy.equals(r.get("policy"))).toList();
    }

    private static String config(int port, int steadyPort) {
        return """
                domain-policies:
                  %s:
                    match: [slow.test]
                    route: 127.0.0.1:%d
                    max-smtp-out: 4
                    max-msg-rate: unlimited
                    retry-after: [1s]
                    backoff-retry: 1s
                    backoff:
                      patterns: ["421 4.7.0"]
                      max-msg-rate: 1/s
                      to-normal-after: 1h
                  %s:
                    match: [steady.test]
                    route: 127.0.0.1:%d
                    max-smtp-out: 4
                    max-msg-rate: 20/s
                  default:
                    route: 127.0.0.1:%d
                """.formatted(POLICY, port, STEADY, steadyPort, port);
    }

    private static List<byte[]> mails(String batch, int n, String domain) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(("From: Sender <sender@example.net>\r\n"
                    + "To: " + batch + i + "@" + domain + "\r\n"
                    + "Subject: backoff\r\n"
                    + "Message-ID: <" + batch + i + "@test>\r\n"
                    + "\r\n"
                    + "Hello.\r\n").getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Server-side acceptance times (epoch ms, ascending) of the batch's messages. */
    private static List<Long> arrivals(List<Received> received, String batch) {
        return received.stream().filter(r -> r.messageId() != null && r.messageId().startsWith("<" + batch))
                .map(Received::epochMillis).sorted().toList();
    }

    private static List<Long> gaps(List<Long> times) {
        List<Long> out = new ArrayList<>();
        for (int i = 1; i < times.size(); i++) {
            out.add(times.get(i) - times.get(i - 1));
        }
        return out;
    }

    /** The most arrivals within any 1000 ms. */
    private static int busiestSecond(List<Long> times) {
        int best = 0;
        for (int i = 0, j = 0; j < times.size(); j++) {
            while (times.get(j) - times.get(i) >= 1000) {
                i++;
            }
            best = Math.max(best, j - i + 1);
        }
        return best;
    }

    private static long timeLogged(CSVRecord r) {
        return Instant.from(ACCT_TIME.parse(r.get("timeLogged"))).toEpochMilli();
    }

    private static void awaitTrue(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (!condition.getAsBoolean() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(condition.getAsBoolean()).as(what + " within " + timeout).isTrue();
    }
}
