package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.caravan.testsupport.Engine;
import org.caravan.testsupport.EventWatcher;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/**
 * A recipient reaches RCPT TO exactly as one address, on its own domain's route, whatever its
 * quoted local part holds: commas, '@' and angle brackets are legal there (RFC 5321 4.1.2) and
 * must never split it into more recipients, neither at intake nor when a retry is queued.
 */
class EnvelopeIntegrityTest {

    private static final String QUOTED = "\"a,smuggled@evil.test,\"@example.com";
    private static final String ANGLED = "\"x>,<y@evil.test\"@example.com";

    @Test
    void aQuotedLocalPartWithCommasStaysOneRecipientAcrossARetry() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                ScriptedSmtpServer evil = ScriptedSmtpServer.start();
                Engine engine = Engine.start(Engine.routedConfig(
                        Map.of("default", "* " + smtp.port(), "evil", "evil.test " + evil.port()),
                        "retry-after: 1s\n"));
                EventWatcher events = engine.broker().watchEvents()) {
            smtp.rcptReplies(QUOTED, "451 4.7.1 try later", "250 OK");
            engine.broker().submit(mail("<prop@test>", "To: nobody@example.org\r\n"),
                    Map.of("rcptTo", QUOTED + ", plain@example.com"));
            engine.broker().submit(mail("<header@test>", "To: Odd <" + ANGLED + ">\r\n"), Map.of());

            assertThat(smtp.awaitMessages(3, Duration.ofSeconds(20))).isTrue();
            assertThat(events.await("delivered", 3, Duration.ofSeconds(10))).hasSize(3);
            Thread.sleep(300);

            assertThat(smtp.received()).extracting(r -> r.messageId() + " " + r.rcptTo()).containsExactlyInAnyOrder(
                    "<prop@test> [plain@example.com]",
                    "<prop@test> [" + QUOTED + "]",
                    "<header@test> [" + ANGLED + "]");
            assertThat(smtp.rcptAttempts(QUOTED)).as("RCPT TO of the quoted address, first try and retry").isEqualTo(2);
            assertThat(evil.connections()).as("sessions to the smuggled domain's route").isZero();
            assertThat(events.ofType("delivered")).extracting(e -> e.get("recipient"))
                    .containsExactlyInAnyOrder(QUOTED, "plain@example.com", ANGLED);
            List<Received> all = smtp.received();
            assertThat(all).flatExtracting(Received::rcptTo).noneMatch(r -> r.endsWith("@evil.test"));
        }
    }

    static String mail(String messageId, String recipientHeaders) {
        return "From: Sender <sender@example.net>\r\n" + recipientHeaders + "Subject: envelope\r\n"
                + "Message-ID: " + messageId + "\r\n\r\nHello.\r\n";
    }
}
