package org.caravan.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import jakarta.mail.Session;
import org.caravan.config.Rate;
import org.caravan.routing.NextHop;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/** The pooled sender against a real SMTP server: reuse, limits, per-recipient replies, next MX. */
class PooledSmtpSenderTest {

    private static final byte[] MAIL = ("From: a@example.net\r\nTo: b@example.org\r\nMessage-ID: <p@t>\r\n\r\n"
            + "body\r\n.dot line\r\n").getBytes(StandardCharsets.US_ASCII);

    private final Session session = SmtpSessions.create("test.local", null, Duration.ofSeconds(2), Duration.ofSeconds(2));

    private OutboundMessage message(List<String> rcpts, NextHop... hops) {
        return new OutboundMessage(session, MAIL, "<p@t>", "a@example.net", rcpts, List.of(hops));
    }

    @Test
    void reusesConnectionsUpToTheMessageLimit() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                SmtpConnectionPool pool = new SmtpConnectionPool(session, 2, 5, Rate.UNLIMITED, Duration.ofSeconds(30))) {
            PooledSmtpSender sender = new PooledSmtpSender(pool, session, Pacer.unlimited());
            NextHop hop = new NextHop("127.0.0.1", smtp.port());
            for (int i = 0; i < 12; i++) {
                OutboundMessage m = message(List.of("b@example.org"), hop);
                sender.send(m);
                assertThat(m.replies().get("b@example.org").code()).isEqualTo(250);
            }
            assertThat(smtp.messageCount()).isEqualTo(12);
            assertThat(smtp.maxMessagesPerConnection()).isEqualTo(5);
            assertThat(smtp.connections()).isEqualTo(3);
            assertThat(pool.connectionsOpened()).isEqualTo(3);
            assertThat(smtp.received().get(0).data()).isEqualTo(MAIL);
        }
    }

    @Test
    void recordsEachRecipientsReply() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                SmtpConnectionPool pool = new SmtpConnectionPool(session, 1, 100, Rate.UNLIMITED, Duration.ofSeconds(30))) {
            smtp.alwaysRcpt("gone@example.org", "550 5.1.1 no such user");
            smtp.alwaysRcpt("later@example.org", "451 4.7.1 try later");
            OutboundMessage m = message(List.of("ok@example.org", "gone@example.org", "later@example.org"),
                    new NextHop("127.0.0.1", smtp.port()));
            new PooledSmtpSender(pool, session, Pacer.unlimited()).send(m);
            assertThat(m.replies().get("ok@example.org").code()).isEqualTo(250);
            assertThat(m.replies().get("gone@example.org")).isEqualTo(new SmtpReply(550, "5.1.1", "no such user"));
            assertThat(m.replies().get("later@example.org").code()).isEqualTo(451);
            assertThat(smtp.received()).singleElement().satisfies(r -> assertThat(r.rcptTo()).containsExactly("ok@example.org"));
            assertThat(m.answeredBy()).isEqualTo("127.0.0.1:" + smtp.port());
        }
    }

    @Test
    void triesTheNextHopWhenOneCannotBeReached() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                SmtpConnectionPool pool = new SmtpConnectionPool(session, 2, 100, Rate.UNLIMITED, Duration.ofSeconds(30))) {
            NextHop dead = new NextHop("127.0.0.1", Engine.freePort());
            OutboundMessage m = message(List.of("b@example.org"), dead, new NextHop("127.0.0.1", smtp.port()));
            new PooledSmtpSender(pool, session, Pacer.unlimited()).send(m);
            assertThat(m.replies().get("b@example.org").code()).isEqualTo(250);
            assertThat(smtp.messageCount()).isEqualTo(1);
        }
    }

    @Test
    void unreachableEverywhereIsATransientConnectionFailure() throws Exception {
        try (SmtpConnectionPool pool = new SmtpConnectionPool(session, 2, 100, Rate.UNLIMITED, Duration.ofSeconds(30))) {
            OutboundMessage m = message(List.of("b@example.org"), new NextHop("127.0.0.1", Engine.freePort()));
            new PooledSmtpSender(pool, session, Pacer.unlimited()).send(m);
            SmtpReply reply = m.replies().get("b@example.org");
            assertThat(reply.code()).isZero();
            assertThat(reply.isTransient()).isTrue();
            assertThat(pool.openConnections()).isZero();
        }
    }

    @Test
    void replacesAPooledConnectionFoundDeadBeforeMailFrom() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                SmtpConnectionPool pool = new SmtpConnectionPool(session, 1, 100, Rate.UNLIMITED, Duration.ofSeconds(30))) {
            PooledSmtpSender sender = new PooledSmtpSender(pool, session, Pacer.unlimited());
            NextHop hop = new NextHop("127.0.0.1", smtp.port());
            sender.send(message(List.of("b@example.org"), hop));
            smtp.dropOpenSessions();
            Thread.sleep(100);
            OutboundMessage second = message(List.of("b@example.org"), hop);
            sender.send(second);
            // the pooled session was gone before MAIL FROM: nothing was sent, so once more on a fresh one
            assertThat(second.replies().get("b@example.org").code()).isEqualTo(250);
            assertThat(smtp.messageCount()).isEqualTo(2);
            assertThat(smtp.connections()).isEqualTo(2);
        }
    }

    @Test
    void aDropDuringDataIsADeferralNeverAResend() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                SmtpConnectionPool pool = new SmtpConnectionPool(session, 1, 100, Rate.UNLIMITED, Duration.ofSeconds(30))) {
            PooledSmtpSender sender = new PooledSmtpSender(pool, session, Pacer.unlimited());
            NextHop hop = new NextHop("127.0.0.1", smtp.port());
            sender.send(message(List.of("b@example.org"), hop));
            smtp.dropDuringData(2);
            OutboundMessage second = message(List.of("b@example.org"), hop);
            sender.send(second);
            // MAIL FROM was accepted on the pooled session: from then on only the retry schedule sends again
            assertThat(second.replies().get("b@example.org").code()).isZero();
            assertThat(second.replies().get("b@example.org").isTransient()).isTrue();
            assertThat(smtp.dataCommands()).isEqualTo(2);
            assertThat(smtp.messageCount()).isEqualTo(1);
        }
    }

    @Test
    void a421ToTheFinalDotOnAPooledConnectionIsTheReplyNotAResend() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start().resetAfter421();
                SmtpConnectionPool pool = new SmtpConnectionPool(session, 1, 100, Rate.UNLIMITED, Duration.ofSeconds(30))) {
            PooledSmtpSender sender = new PooledSmtpSender(pool, session, Pacer.unlimited());
            NextHop hop = new NextHop("127.0.0.1", smtp.port());
            sender.send(message(List.of("b@example.org"), hop));
            smtp.alwaysData("421 4.7.0 [TSS04] Messages temporarily deferred");
            OutboundMessage second = message(List.of("b@example.org"), hop);
            sender.send(second);
            assertThat(second.replies().get("b@example.org")).isEqualTo(
                    new SmtpReply(421, "4.7.0", "[TSS04] Messages temporarily deferred"));
            assertThat(smtp.dataCommands()).isEqualTo(2);
            assertThat(smtp.connections()).isEqualTo(1);
        }
    }

    @Test
    void holdsNewConnectionsToTheConnectionRate() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                SmtpConnectionPool pool = new SmtpConnectionPool(session, 1, 1, Rate.parse("2/s"), Duration.ofSeconds(30))) {
            PooledSmtpSender sender = new PooledSmtpSender(pool, session, Pacer.unlimited());
            NextHop hop = new NextHop("127.0.0.1", smtp.port());
            long start = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                sender.send(message(List.of("b@example.org"), hop));
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            // one message per connection, 2 connections per second: the 5th waits for the third window
            assertThat(smtp.connections()).isEqualTo(5);
            assertThat(millis).isGreaterThanOrEqualTo(1900);
        }
    }

    @Test
    void closesIdleConnections() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                SmtpConnectionPool pool = new SmtpConnectionPool(session, 2, 100, Rate.UNLIMITED, Duration.ofMillis(100))) {
            new PooledSmtpSender(pool, session, Pacer.unlimited()).send(message(List.of("b@example.org"), new NextHop("127.0.0.1", smtp.port())));
            assertThat(pool.openConnections()).isEqualTo(1);
            Thread.sleep(200);
            pool.evictIdle();
            assertThat(pool.openConnections()).isZero();
        }
    }
}
