package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.jms.Message;
import jakarta.jms.QueueConnection;
import jakarta.jms.QueueRequestor;
import jakarta.jms.QueueSession;
import jakarta.jms.Session;
import org.apache.activemq.artemis.api.core.management.ResourceNames;
import org.apache.activemq.artemis.api.jms.management.JMSManagementHelper;
import org.caravan.testsupport.EngineProcess;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedDnsServer;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/**
 * kill -9 while mail waits on mail.classify and the classification route forwards it: after a
 * restart on the same journal every delivery arrives under its MX policy, none is lost, and the
 * only duplicates are deliveries the server had accepted just before the kill (delivery's own
 * bound); classification itself forwards and acks in one transaction, so it adds none.
 */
class ClassificationCrashTest {

    private static final int DOMAINS = 200;
    private static final Duration JUST_BEFORE = Duration.ofMillis(1000);

    @Test
    void killDuringClassificationLosesNothingAndAddsNoDuplicates() throws Exception {
        ScriptedDnsServer dns = ScriptedDnsServer.start().delay(Duration.ofMillis(5));
        for (int i = 0; i < DOMAINS; i++) {
            dns.mx("c" + i + ".test", "aspmx.l.google.com");
        }
        try (dns; ScriptedSmtpServer gmail = ScriptedSmtpServer.start(); ScriptedSmtpServer other = ScriptedSmtpServer.start()) {
            Path dir = EngineProcess.directory("""
                    domain-policies:
                      gmail:
                        match: [gmail.com]
                        mx-match: ["*.google.com"]
                        max-smtp-out: 4
                        route: 127.0.0.1:%d
                      default:
                        route: 127.0.0.1:%d
                    """.formatted(gmail.port(), other.port()));
            int port = org.caravan.testsupport.Engine.freePort();
            String[] props = {"caravan.dns.servers=" + dns.address(), "caravan.dns.timeout=5s"};
            List<EngineProcess> engines = new ArrayList<>();
            try {
                EngineProcess first = EngineProcess.start(dir, port, Duration.ofSeconds(60), props);
                engines.add(first);
                Set<String> expected = new TreeSet<>();
                List<byte[]> mails = new ArrayList<>();
                for (int i = 0; i < DOMAINS; i++) {
                    String to = "user@c" + i + ".test";
                    mails.add(mail("<crash-" + i + "@test>", to));
                    expected.add("<crash-" + i + "@test> " + to);
                }
                first.broker().submitAll(mails, Map.of());
                assertThat(gmail.awaitMessages(30, Duration.ofSeconds(60))).as("deliveries before the kill").isTrue();
                long waiting = messageCount(first, "mail.classify");
                long killed = System.nanoTime();
                first.kill();
                Thread.sleep(300);
                int atKill = gmail.messageCount();
                System.out.printf("classification kill: %d delivered, %d on mail.classify just before%n", atKill, waiting);
                assertThat(waiting).as("the kill landed during classification").isPositive();

                EngineProcess second = EngineProcess.start(dir, port, Duration.ofSeconds(60), props);
                engines.add(second);
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (!receipts(gmail).keySet().containsAll(expected) && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                Thread.sleep(1000);

                Map<String, Long> receipts = receipts(gmail);
                assertThat(receipts.keySet()).as("nothing lost, nothing foreign").isEqualTo(expected);
                assertThat(other.messageCount()).as("nothing under the default policy").isZero();
                Set<String> duplicates = receipts.entrySet().stream().filter(e -> e.getValue() > 1)
                        .map(Map.Entry::getKey).collect(Collectors.toSet());
                System.out.printf("classification kill: %d duplicates%n", duplicates.size());
                assertThat(receipts.values()).allMatch(n -> n <= 2);
                Set<String> first2 = new HashSet<>();
                for (Received r : gmail.received()) {
                    String key = r.messageId() + " " + r.rcptTo().get(0);
                    if (duplicates.contains(key) && first2.add(key)) {
                        assertThat((killed - r.nanoTime()) / 1_000_000).as("ms from the first receipt of %s to the kill", key)
                                .isBetween(-300L, JUST_BEFORE.toMillis());
                    }
                }
                assertThat(second.accounting().await("d", DOMAINS, Duration.ofSeconds(10)))
                        .allSatisfy(r -> assertThat(r.get("policy")).isEqualTo("gmail"));
            } finally {
                EngineProcess.closeAll(engines);
                EngineProcess.deleteTree(dir.resolve("data").resolve("journal"));
            }
        }
    }

    private static Map<String, Long> receipts(ScriptedSmtpServer smtp) {
        return smtp.received().stream().map(r -> r.messageId() + " " + r.rcptTo().get(0))
                .collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
    }

    private static long messageCount(EngineProcess engine, String queue) throws Exception {
        try (QueueConnection c = (QueueConnection) engine.broker().connect();
                QueueSession s = c.createQueueSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            QueueRequestor requestor = new QueueRequestor(s, s.createQueue("activemq.management"));
            Message request = s.createMessage();
            JMSManagementHelper.putAttribute(request, ResourceNames.QUEUE + queue, "messageCount");
            return ((Number) JMSManagementHelper.getResult(requestor.request(request))).longValue();
        }
    }

    private static byte[] mail(String messageId, String to) {
        return RoutingTest.mail(messageId, to).getBytes(StandardCharsets.UTF_8);
    }
}
