package org.caravan.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.mail.Session;
import org.caravan.config.Rate;
import org.caravan.routing.NextHop;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/** The pool across many next hops: hops without idle connections are forgotten; the oldest idle goes first. */
class SmtpConnectionPoolTest {

    private final Session session = SmtpSessions.create("test.local", null, Duration.ofSeconds(5), Duration.ofSeconds(5));

    private void send(PooledSmtpSender sender, ScriptedSmtpServer smtp) throws Exception {
        OutboundMessage m = new OutboundMessage(session, "Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII),
                "<p@t>", "a@example.net", List.of("b@example.org"), List.of(new NextHop("127.0.0.1", smtp.port())));
        sender.send(m);
        assertThat(m.replies().get("b@example.org").code()).isEqualTo(250);
    }

    @Test
    void forgetsNextHopsWhoseIdleConnectionsAreGone() throws Exception {
        List<ScriptedSmtpServer> servers = new ArrayList<>();
        try (SmtpConnectionPool pool = new SmtpConnectionPool(session, 5, 100, Rate.UNLIMITED, Duration.ofMillis(100))) {
            PooledSmtpSender sender = new PooledSmtpSender(pool, session, Pacer.unlimited());
            for (int i = 0; i < 3; i++) {
                servers.add(ScriptedSmtpServer.start());
                send(sender, servers.get(i));
            }
            assertThat(pool.idleHops()).isEqualTo(3);
            send(sender, servers.get(0)); // borrowed and given back: still one entry for that hop
            assertThat(pool.idleHops()).isEqualTo(3);
            Thread.sleep(200);
            pool.evictIdle();
            assertThat(pool.idleHops()).isZero();
            assertThat(pool.openConnections()).isZero();
        } finally {
            servers.forEach(ScriptedSmtpServer::close);
        }
    }

    @Test
    void aNewHopTakesTheSlotOfTheOldestIdleConnection() throws Exception {
        List<ScriptedSmtpServer> servers = new ArrayList<>();
        try (SmtpConnectionPool pool = new SmtpConnectionPool(session, 4, 100, Rate.UNLIMITED, Duration.ofMinutes(1))) {
            PooledSmtpSender sender = new PooledSmtpSender(pool, session, Pacer.unlimited());
            for (int i = 0; i < 5; i++) {
                servers.add(ScriptedSmtpServer.start());
            }
            for (int i = 0; i < 4; i++) {
                send(sender, servers.get(i));
            }
            send(sender, servers.get(1)); // hop 1 used again: hop 0 is now the oldest, hop 2 next
            send(sender, servers.get(4));  // a fifth hop over max-smtp-out 4: one idle connection must go
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (servers.get(0).openSessions() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(servers).extracting(ScriptedSmtpServer::openSessions).containsExactly(0, 1, 1, 1, 1);
            assertThat(pool.openConnections()).isEqualTo(4);
        } finally {
            servers.forEach(ScriptedSmtpServer::close);
        }
    }
}
