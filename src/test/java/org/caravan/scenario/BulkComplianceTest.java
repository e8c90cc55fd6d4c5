package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.caravan.testsupport.Broker;
import org.caravan.testsupport.DkimCheck;
import org.caravan.testsupport.DkimKeys;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.EventWatcher;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bulk vmta holds its mail to the bulk-sender rules at intake: one-click unsubscribe and a DKIM
 * key aligned with From. Under reject, mail that breaks one goes to mail.invalid naming the rule;
 * under warn it is sent with a warning event; a transactional vmta checks nothing.
 */
class BulkComplianceTest {

    private static final String UNSUBSCRIBE = "List-Unsubscribe: <mailto:u@example.com?subject=u1>, <https://example.com/u/1>\r\n"
            + "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";

    @TempDir
    Path dir;

    @Test
    void rejectRefusesWarnSendsWithAnEventTransactionalChecksNothing() throws Exception {
        DkimKeys keys = new DkimKeys(dir);
        Path rsa = keys.make("example.com", "s1", "rsa-sha256");
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start("dkim:\n  example.com:\n    - selector: s1\n      key-file: " + rsa + "\n"
                        + "virtual-mtas:\n  default: {}\n  news:\n    traffic: bulk\n    bulk-compliance: reject\n"
                        + "  promo:\n    traffic: bulk\n"
                        + "domain-policies:\n  default:\n    route: 127.0.0.1:" + smtp.port() + "\n");
                EventWatcher events = engine.broker().watchEvents()) {
            Broker broker = engine.broker();
            broker.submit(message("a@example.com", "<r-none@test>", ""), Map.of("vmta", "news", "jobId", "j1"));
            broker.submit(message("a@example.com", "<r-nopost@test>", "List-Unsubscribe: <https://example.com/u/1>\r\n"),
                    Map.of("vmta", "news"));
            broker.submit(message("a@example.com", "<r-http@test>", "List-Unsubscribe: <http://example.com/u/1>\r\n"
                    + "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"), Map.of("vmta", "news"));
            broker.submit(message("a@example.org", "<r-unaligned@test>", UNSUBSCRIBE), Map.of("vmta", "news"));
            broker.submit(message("a@mail.example.com", "<ok-news@test>", UNSUBSCRIBE), Map.of("vmta", "news"));
            broker.submit(message("a@example.org", "<warned@test>", ""), Map.of("vmta", "promo", "jobId", "j2"));
            broker.submit(message("a@example.org", "<transactional@test>", ""), Map.of());

            List<Broker.Taken> invalid = broker.drain("mail.invalid", 4, Duration.ofSeconds(15));
            assertThat(invalid).extracting(t -> messageId(t.text()) + " " + t.reason()).containsExactlyInAnyOrder(
                    "<r-none@test> bulk-no-unsubscribe: no List-Unsubscribe header with an https: or mailto: URI (RFC 2369)",
                    "<r-nopost@test> bulk-no-unsubscribe: no 'List-Unsubscribe-Post: List-Unsubscribe=One-Click' header"
                            + " (RFC 8058 one-click unsubscribe)",
                    "<r-http@test> bulk-no-unsubscribe: no List-Unsubscribe header with an https: or mailto: URI (RFC 2369)",
                    "<r-unaligned@test> bulk-unaligned-dkim: no DKIM key for the From domain example.org or a parent of it"
                            + " (dkim: block)");
            assertThat(events.await("rejected", 4, Duration.ofSeconds(5))).hasSize(4);

            assertThat(smtp.awaitMessages(3, Duration.ofSeconds(15))).isTrue();
            Thread.sleep(300);
            assertThat(smtp.received()).extracting(r -> r.messageId())
                    .containsExactlyInAnyOrder("<ok-news@test>", "<warned@test>", "<transactional@test>");
            byte[] compliant = smtp.received().stream().filter(r -> "<ok-news@test>".equals(r.messageId())).findFirst()
                    .orElseThrow().data();
            assertThat(new DkimCheck(keys).validRsa(compliant)).containsExactly("d=example.com s=s1 a=rsa-sha256");

            assertThat(events.await("delivered", 3, Duration.ofSeconds(5))).hasSize(3);
            assertThat(events.await("warning", 2, Duration.ofSeconds(5))).extracting(
                    e -> e.get("messageId") + " " + e.get("vmta") + " " + e.get("jobId") + " " + e.get("reason"))
                    .containsExactlyInAnyOrder("<warned@test> promo j2 bulk-no-unsubscribe",
                            "<warned@test> promo j2 bulk-unaligned-dkim");
            Thread.sleep(300);
            assertThat(events.ofType("warning")).as("none for the compliant or the transactional mail").hasSize(2);
        }
    }

    private static String messageId(String text) {
        int at = text.indexOf("Message-ID: ");
        return text.substring(at + 12, text.indexOf("\r\n", at));
    }

    private static byte[] message(String from, String messageId, String listHeaders) {
        return ("From: News <" + from + ">\r\n"
                + "To: bob@example.net\r\n"
                + "Subject: June letter\r\n"
                + "Message-ID: " + messageId + "\r\n"
                + listHeaders
                + "\r\n"
                + "Hello.\r\n").getBytes(StandardCharsets.US_ASCII);
    }
}
