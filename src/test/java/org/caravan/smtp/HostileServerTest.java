package org.caravan.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import jakarta.mail.Session;
import org.caravan.config.Rate;
import org.caravan.routing.NextHop;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.caravan.testsupport.SmtpStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Servers that try to hold the client: each phase has its own deadline for the whole reply, a
 * write that blocks is cut off, a transaction has a deadline, and a reply has a line cap. The
 * timeouts only guard against a hang (a test without them would never end).
 */
@Timeout(60)
class HostileServerTest {

    private static final String RCPT = "b@example.org";

    private static Session session(SmtpSettings settings) {
        return SmtpSessions.create("test-line", "mta.test.example", null, settings);
    }

    private static SmtpSettings settings(Duration connect, Duration read, Duration dataBlock, Duration dataDone,
            Duration transaction) {
        return new SmtpSettings(connect, read, read, dataBlock, dataDone, transaction, 100, 100);
    }

    private static OutboundMessage message(Session session, byte[] raw, NextHop hop) {
        return new OutboundMessage(session, raw, "<h@t>", "a@example.net", List.of(RCPT), List.of(hop));
    }

    private static byte[] mail(int bodyBytes) {
        byte[] head = "From: a@example.net\r\nMessage-ID: <h@t>\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] raw = Arrays.copyOf(head, head.length + bodyBytes);
        for (int i = head.length; i < raw.length; i++) {
            raw[i] = (byte) ((i % 80 == 79) ? '\n' : 'x');
        }
        return raw;
    }

    private static SmtpReply sendOne(SmtpSettings settings, ScriptedSmtpServer smtp, byte[] raw) throws Exception {
        Session session = session(settings);
        try (SmtpConnectionPool pool = new SmtpConnectionPool(session, 1, 100, Rate.UNLIMITED, Duration.ofSeconds(30))) {
            OutboundMessage m = message(session, raw, new NextHop("127.0.0.1", smtp.port()));
            new PooledSmtpSender(pool, session, Pacer.unlimited()).send(m);
            return m.replies().get(RCPT);
        }
    }

    @Test
    void aServerThatStopsReadingAfter354IsCutOffByTheWriteTimeout() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start()) {
            smtp.stall(SmtpStage.DATA_BODY, Duration.ofMinutes(5));
            SmtpSettings s = settings(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofSeconds(1),
                    Duration.ofMinutes(10), Duration.ofMinutes(20));
            // far more than the socket buffers on both sides hold, so the write blocks
            SmtpReply reply = sendOne(s, smtp, mail(64 << 20));
            assertThat(reply.code()).isZero();
            assertThat(reply.isTransient()).isTrue();
            assertThat(reply.text()).contains("connection lost during DATA").contains("write timed out after 1s");
            assertThat(smtp.messageCount()).isZero();
        }
    }

    @Test
    void aGreetingDrippedLineByLineEndsAtTheConnectTimeout() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start()) {
            smtp.dripGreeting(Duration.ofMillis(200));
            // each line comes well within the read timeout; the whole greeting must come within connect-timeout
            SmtpSettings s = settings(Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(3),
                    Duration.ofMinutes(10), Duration.ofMinutes(20));
            SmtpReply reply = sendOne(s, smtp, mail(10));
            assertThat(reply.code()).isZero();
            assertThat(reply.text()).contains("no complete reply to the greeting within 1s");
        }
    }

    @Test
    void anEndlessReplyEndsAtTheReplyLineCap() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start()) {
            smtp.dripGreeting(Duration.ofMillis(1));
            SmtpSettings s = settings(Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(3),
                    Duration.ofMinutes(10), Duration.ofMinutes(20));
            SmtpReply reply = sendOne(s, smtp, mail(10));
            assertThat(reply.code()).isZero();
            assertThat(reply.text()).contains("the greeting longer than 100 lines");
        }
    }

    @Test
    void aTransactionPastItsDeadlineIsClosed() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start()) {
            smtp.stall(SmtpStage.RCPT, Duration.ofSeconds(20));
            SmtpSettings s = settings(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(3),
                    Duration.ofMinutes(10), Duration.ofSeconds(1));
            SmtpReply reply = sendOne(s, smtp, mail(10));
            assertThat(reply.code()).isZero();
            assertThat(reply.text()).contains("transaction took longer than 1s");
            assertThat(smtp.messageCount()).isZero();
        }
    }

    @Test
    void theWatchdogListsATransactionOverdueUntilItsConsumerComesBack() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start()) {
            SmtpSocket socket = new SmtpSocket("vmta-x-policy-y", settings(Duration.ofSeconds(5), Duration.ofSeconds(5),
                    Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMillis(50)));
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", smtp.port()));
            SmtpWatchdog.watch(socket);
            socket.startTransaction(Duration.ofMillis(50));
            Thread.sleep(400);
            // the watchdog closed the socket at the deadline, but nobody came back for it
            assertThat(socket.isClosed()).isTrue();
            assertThat(SmtpWatchdog.overdue(Duration.ZERO)).extracting(SmtpWatchdog.Overdue::line)
                    .contains("vmta-x-policy-y");
            assertThat(new StuckTransactionsHealthIndicator().health().getStatus().getCode()).isEqualTo("UP");
            socket.close();
            assertThat(SmtpWatchdog.overdue(Duration.ZERO)).extracting(SmtpWatchdog.Overdue::line)
                    .doesNotContain("vmta-x-policy-y");
        }
    }
}
