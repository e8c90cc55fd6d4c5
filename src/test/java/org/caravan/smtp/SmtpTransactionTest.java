package org.caravan.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import jakarta.mail.Session;
import org.caravan.config.Rate;
import org.caravan.routing.NextHop;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/** The transaction against a real server: refused greetings and next MX, recipient splits, MAIL parameters. */
class SmtpTransactionTest {

    private static final byte[] MAIL = "From: a@example.net\r\nMessage-ID: <s@t>\r\n\r\nplain\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private static Session session(int maxRcpt) {
        SmtpSettings d = SmtpSettings.withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5));
        return SmtpSessions.create("t", "mta.test.example", null, new SmtpSettings(d.connect(), d.read(), d.data(),
                d.dataBlock(), d.dataDone(), d.transaction(), maxRcpt, d.maxReplyLines()));
    }

    private static OutboundMessage send(Session session, List<String> rcpts, ScriptedSmtpServer... servers) {
        return send(session, Rate.UNLIMITED, rcpts, servers);
    }

    private static OutboundMessage send(Session session, Rate rate, List<String> rcpts, ScriptedSmtpServer... servers) {
        List<NextHop> hops = java.util.Arrays.stream(servers).map(s -> new NextHop("127.0.0.1", s.port())).toList();
        OutboundMessage m = new OutboundMessage(session, MAIL, "<s@t>", "a@example.net", rcpts, hops);
        try (SmtpConnectionPool pool = new SmtpConnectionPool(session, 2, 100, Rate.UNLIMITED, Duration.ofSeconds(30))) {
            Pacer pace = new Pacer(() -> rate, () -> 1);
            pace.take(); // the delivery route's pace step takes the first transaction's cell
            new PooledSmtpSender(pool, session, pace).send(m);
        } catch (jakarta.mail.MessagingException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        return m;
    }

    @Test
    void aRefusingGreetingSendsToTheNextMx() {
        try (ScriptedSmtpServer refusing = ScriptedSmtpServer.start().refuseSessions(10, "554 5.7.1 go away");
                ScriptedSmtpServer ok = ScriptedSmtpServer.start()) {
            OutboundMessage m = send(session(100), List.of("b@example.org"), refusing, ok);
            assertThat(m.replies().get("b@example.org").code()).isEqualTo(250);
            assertThat(m.answeredBy()).isEqualTo("127.0.0.1:" + ok.port());
        }
    }

    @Test
    void everyMxRefusingWith5xxIsA5xxButOne4xxMakesItADeferral() {
        try (ScriptedSmtpServer a = ScriptedSmtpServer.start().refuseSessions(10, "554 5.7.1 go away");
                ScriptedSmtpServer b = ScriptedSmtpServer.start().refuseSessions(10, "550 5.7.1 not you either");
                ScriptedSmtpServer busy = ScriptedSmtpServer.start().refuseSessions(10, "421 4.3.2 busy")) {
            SmtpReply permanent = send(session(100), List.of("b@example.org"), a, b).replies().get("b@example.org");
            assertThat(permanent).isEqualTo(new SmtpReply(550, "5.7.1", "not you either"));
            SmtpReply transientOne = send(session(100), List.of("b@example.org"), a, busy, b).replies().get("b@example.org");
            assertThat(transientOne).isEqualTo(new SmtpReply(421, "4.3.2", "busy"));
        }
    }

    @Test
    void recipientsAreSplitAtMaxRcptPerTransactionOnOneConnection() {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start()) {
            List<String> rcpts = List.of("r1@x.test", "r2@x.test", "r3@x.test", "r4@x.test", "r5@x.test");
            OutboundMessage m = send(session(2), rcpts, smtp);
            assertThat(m.replies().values()).allSatisfy(r -> assertThat(r.code()).isEqualTo(250));
            assertThat(smtp.received()).extracting(r -> r.rcptTo().size()).containsExactly(2, 2, 1);
            assertThat(smtp.connections()).isEqualTo(1);
            assertThat(rcpts).allSatisfy(r -> assertThat(smtp.rcptAttempts(r)).isEqualTo(1));
        }
    }

    @Test
    void eachTransactionOfASplitMessageCountsAgainstTheMessageRate() {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start()) {
            List<String> rcpts = List.of("r1@x.test", "r2@x.test", "r3@x.test", "r4@x.test", "r5@x.test");
            OutboundMessage m = send(session(1), Rate.parse("2/s"), rcpts, smtp);
            assertThat(m.replies().values()).allSatisfy(r -> assertThat(r.code()).isEqualTo(250));
            List<Long> accepted = smtp.received().stream().map(r -> r.nanoTime()).toList();
            assertThat(accepted).hasSize(5);
            // as the server counts: no second holds more than 2 of the 5 transactions
            for (int i = 2; i < accepted.size(); i++) {
                assertThat(accepted.get(i) - accepted.get(i - 2)).as("transactions %d and %d", i - 2, i)
                        .isGreaterThanOrEqualTo(Duration.ofSeconds(1).toNanos() - Duration.ofMillis(20).toNanos());
            }
        }
    }

    @Test
    void a452BeforeAnyRecipientWasAcceptedIsThatRecipientsDeferral() {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start()) {
            smtp.alwaysRcpt("full@x.test", "452 4.2.2 mailbox full");
            OutboundMessage m = send(session(100), List.of("full@x.test", "ok@x.test"), smtp);
            assertThat(m.replies().get("full@x.test").code()).isEqualTo(452);
            assertThat(m.replies().get("ok@x.test").code()).isEqualTo(250);
            assertThat(smtp.received()).singleElement().satisfies(r -> assertThat(r.rcptTo()).containsExactly("ok@x.test"));
        }
    }

    @Test
    void aSevenBitBodyDeclaresItsSizeButNoBodyType() {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start()) {
            send(session(100), List.of("b@example.org"), smtp);
            assertThat(smtp.mailCommands()).containsExactly("MAIL FROM:<a@example.net> SIZE=" + MAIL.length);
        }
    }
}
