package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.assertj.core.api.SoftAssertions;
import org.caravan.testsupport.BadInputCorpus;
import org.caravan.testsupport.Broker;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.EventWatcher;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/**
 * Each kind of bad submission lands on mail.invalid with its reason, its original body and
 * properties, and a 'rejected' event; a bad recipient is refused alone; good mail keeps flowing.
 */
class InvalidInputTest {

    /** One bad submission: what is sent and how, the reason code expected, the recipient its event names ("" for none). */
    record Case(String jobId, byte[] body, Map<String, String> properties, String code, String rejectedRecipient,
            boolean viaStomp) {
        Case(String jobId, byte[] body, Map<String, String> properties, String code, String rejectedRecipient) {
            this(jobId, body, properties, code, rejectedRecipient, false);
        }
    }

    @Test
    void badInputIsSetAsideWithItsReasonAndGoodMailKeepsFlowing() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start("max-message-size: 10K\n"
                        + "domain-policies:\n  default:\n    route: 127.0.0.1:" + smtp.port() + "\n");
                EventWatcher events = engine.broker().watchEvents()) {
            List<Case> cases = cases();
            Broker broker = engine.broker();
            for (Case c : cases) {
                if (c.viaStomp()) {
                    MessageIntegrityTest.stompSend(engine.brokerPort(), c.body(), c.properties());
                } else {
                    broker.submit(c.body(), c.properties());
                }
            }
            broker.submit(mail("<good@test>", "To: after@example.com\r\n"), Map.of("jobId", "good"));

            List<Broker.Taken> invalid = broker.drain("mail.invalid", cases.size(), Duration.ofSeconds(15));
            assertThat(smtp.awaitMessages(3, Duration.ofSeconds(15))).isTrue();
            assertThat(events.await("rejected", cases.size(), Duration.ofSeconds(5))).hasSize(cases.size());
            assertThat(events.await("delivered", 3, Duration.ofSeconds(5))).hasSize(3);
            assertThat(broker.drain("mail.invalid", 1, Duration.ofMillis(500))).as("nothing more on mail.invalid").isEmpty();

            Map<String, Broker.Taken> invalidByJob = invalid.stream()
                    .collect(Collectors.toMap(t -> String.valueOf(t.properties().get("jobId")), t -> t));
            assertThat(invalidByJob.keySet()).containsExactlyInAnyOrderElementsOf(cases.stream().map(Case::jobId).toList());
            for (Case c : cases) {
                Broker.Taken t = invalidByJob.get(c.jobId());
                assertThat(t.reason()).as("reason of %s", c.jobId())
                        .startsWith(c.code() + ": ");
                // an oversize body is not read: only its header block is kept
                assertThat(t.body()).as("body of %s", c.jobId())
                        .isEqualTo(c.code().equals("oversize") ? BadInputCorpus.headerBlock(c.body()) : c.body());
                assertThat(events.ofType("rejected")).as("rejected events of %s", c.jobId())
                        .filteredOn(e -> c.jobId().equals(e.get("jobId")))
                        .singleElement()
                        .satisfies(e -> {
                            assertThat(e.get("recipient")).isEqualTo(c.rejectedRecipient());
                            assertThat(String.valueOf(e.get("smtpText"))).startsWith(c.code() + ": ");
                        });
            }
            assertThat(invalidByJob.get("bad-rcpt").reason())
                    .isEqualTo("malformed-address: bad@@example.org");

            // the good recipients of the half-bad message went on, and so did the good message after it all
            assertThat(smtp.received()).extracting(r -> r.messageId() + " " + r.rcptTo()).containsExactlyInAnyOrder(
                    "<bad-rcpt@test> [good1@example.com]",
                    "<bad-rcpt@test> [good2@example.net]",
                    "<good@test> [after@example.com]");
            assertThat(events.ofType("delivered")).extracting(e -> e.get("recipient"))
                    .containsExactlyInAnyOrder("good1@example.com", "good2@example.net", "after@example.com");
            assertThat(engine.accounting().await("r", cases.size(), Duration.ofSeconds(5))).hasSize(cases.size());

            SoftAssertions soft = new SoftAssertions();
            for (Case c : cases) {
                soft.assertThat(invalidByJob.get(c.jobId()).properties()).as("properties of %s", c.jobId())
                        .containsAllEntriesOf(c.properties());
            }
            // a recipient refused from a message that otherwise went out: its event names that message
            soft.assertThat(events.ofType("rejected")).filteredOn(e -> "bad-rcpt".equals(e.get("jobId")))
                    .extracting(e -> e.get("domain") + " " + e.get("messageId"))
                    .containsExactly("example.org <bad-rcpt@test>");
            soft.assertAll();
        }
    }

    private static List<Case> cases() {
        byte[] garbage = new byte[600];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 131 + 7); // binary: NULs, high bytes, no header line
        }
        byte[] oversize = mail("<big@test>", "To: big@example.com\r\n", "x".repeat(76) + "\r\n", 20 * 1024 / 78)
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(oversize.length).isGreaterThan(20 * 1000);
        return List.of(
                new Case("no-rcpt", bytes(mail("<no-rcpt@test>", "")), props("jobId", "no-rcpt"), "no-recipients", ""),
                new Case("bad-rcpt", bytes(mail("<bad-rcpt@test>",
                        "To: good1@example.com, bad@@example.org\r\nCc: Good Two <good2@example.net>\r\n")),
                        props("jobId", "bad-rcpt", "envId", "env-7"), "malformed-address", "bad@@example.org"),
                new Case("a\r\nb", bytes(mail("<crlf@test>", "To: crlf@example.com\r\n")),
                        props("jobId", "a\r\nb", "mailFrom", "sender@example.net"), "crlf-in-property", ""),
                new Case("empty", new byte[0], props("jobId", "empty", "rcptTo", "empty@example.com"), "empty-body", ""),
                new Case("garbage", garbage, props("jobId", "garbage", "rcptTo", "garbage@example.com"), "unparseable", ""),
                new Case("oversize", oversize, props("jobId", "oversize"), "oversize", ""),
                new Case("nosuch", bytes(mail("<vmta@test>", "To: vmta@example.com\r\n")),
                        props("jobId", "nosuch", "vmta", "nosuch"), "unknown-vmta", ""),
                // STOMP and AMQP allow property names JMS does not, such as x-campaign: kept as named
                new Case("stomp-no-rcpt", bytes(mail("<stomp-no-rcpt@test>", "")),
                        props("jobId", "stomp-no-rcpt", "x-campaign", "spring-sale"), "no-recipients", "", true));
    }

    static String mail(String messageId, String recipientHeaders) {
        return mail(messageId, recipientHeaders, "Hello.\r\n", 1);
    }

    private static String mail(String messageId, String recipientHeaders, String bodyLine, int lines) {
        return "From: Sender <sender@example.net>\r\n"
                + recipientHeaders
                + "Subject: invalid input\r\n"
                + "Message-ID: " + messageId + "\r\n"
                + "\r\n"
                + bodyLine.repeat(lines);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> props(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
