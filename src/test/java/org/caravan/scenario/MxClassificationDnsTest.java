package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedDnsServer;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * When classification by MX meets a DNS problem: a temporary failure (SERVFAIL, no answer) holds
 * the mail for classification again later, never under the default policy; and intake does not
 * wait for DNS, so mail for other domains keeps flowing while a name server stalls.
 */
class MxClassificationDnsTest {

    private static ScriptedDnsServer dns;
    private static ScriptedSmtpServer gmail;
    private static ScriptedSmtpServer fallback;
    private static Engine engine;

    @BeforeAll
    static void start() {
        dns = ScriptedDnsServer.start()
                .mx("flaky.test", "aspmx.l.google.com").servfail("flaky.test")
                .mx("stalled.test", "aspmx.l.google.com").hold("stalled.test")
                .mx("corp.test", "aspmx.l.google.com");
        gmail = ScriptedSmtpServer.start();
        fallback = ScriptedSmtpServer.start();
        engine = Engine.start("""
                domain-policies:
                  gmail:
                    match: [gmail.com]
                    mx-match: ["*.google.com"]
                    route: 127.0.0.1:%d
                  default:
                    route: 127.0.0.1:%d
                """.formatted(gmail.port(), fallback.port()),
                "caravan.dns.servers=" + dns.address(), "caravan.dns.timeout=20s",
                "caravan.dns.transient-failure-ttl=500ms", "caravan.classify.retry-after=1s");
    }

    @AfterAll
    static void stop() {
        dns.heal("stalled.test");
        engine.close();
        gmail.close();
        fallback.close();
        dns.close();
    }

    @Test
    void aTemporaryDnsFailureHoldsTheMailUntilDnsAnswersThenItGoesUnderItsMxPolicy() throws Exception {
        engine.broker().submit(RoutingTest.mail("<flaky@test>", "user@flaky.test"), Map.of());

        awaitQueries("flaky.test", 2, Duration.ofSeconds(20)); // asked, failed, asked again later
        assertThat(gmail.received()).noneMatch(r -> r.rcptTo().contains("user@flaky.test"));
        assertThat(fallback.received()).as("never sent under default while DNS fails")
                .noneMatch(r -> r.rcptTo().contains("user@flaky.test"));
        assertThat(engine.accounting().records()).noneMatch(r -> r.get("rcpt").equals("user@flaky.test"));

        dns.heal("flaky.test");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (gmail.received().stream().noneMatch(r -> r.rcptTo().contains("user@flaky.test"))
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(gmail.received()).filteredOn(r -> r.rcptTo().contains("user@flaky.test")).hasSize(1);
        assertThat(engine.accounting().records()).filteredOn(r -> r.get("rcpt").equals("user@flaky.test"))
                .singleElement().satisfies(r -> assertThat(r.get("policy")).isEqualTo("gmail"));
    }

    @Test
    void intakeKeepsAcceptingWhileANameServerStalls() throws Exception {
        engine.broker().submit(RoutingTest.mail("<stalled@test>", "user@stalled.test"), Map.of());
        awaitQueries("stalled.test", 1, Duration.ofSeconds(10));

        List<byte[]> mails = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            mails.add(RoutingTest.mail("<g" + i + "@test>", "user" + i + "@gmail.com").getBytes());
        }
        mails.add(RoutingTest.mail("<corp@test>", "boss@corp.test").getBytes());
        engine.broker().submitAll(mails, Map.of());

        // all 21 through intake, the MX-classified one too, while the stalled lookup still waits
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (delivered("gmail.com") + delivered("corp.test") < 21 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(delivered("gmail.com")).isEqualTo(20);
        assertThat(delivered("corp.test")).isEqualTo(1);
        assertThat(delivered("stalled.test")).as("its lookup is still unanswered").isZero();

        dns.heal("stalled.test");
        deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (delivered("stalled.test") < 1 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(delivered("stalled.test")).isEqualTo(1);
        assertThat(gmail.received()).anyMatch(r -> r.rcptTo().contains("user@stalled.test"));
    }

    private static long delivered(String domain) {
        return engine.accounting().ofType("d").stream().filter(r -> r.get("domain").equals(domain)).count();
    }

    private static void awaitQueries(String domain, int n, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (dns.queries(domain, Type.MX) < n && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(dns.queries(domain, Type.MX)).isGreaterThanOrEqualTo(n);
    }
}
