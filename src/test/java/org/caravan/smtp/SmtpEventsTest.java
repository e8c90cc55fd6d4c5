package org.caravan.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.mail.Session;
import org.caravan.config.Rate;
import org.caravan.routing.NextHop;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.caravan.testsupport.SmtpStage;
import org.caravan.testsupport.TestCertificates;
import org.caravan.testsupport.TlsSmtpServer;
import org.junit.jupiter.api.Test;

/** What the pool tells its observer (metrics): each connection tried, why one failed, each answered transaction. */
class SmtpEventsTest {

    private final Session session = SmtpSessions.create("test.local", null, Duration.ofMillis(500), Duration.ofSeconds(5));
    private final Recorder events = new Recorder();

    @Test
    void aPortNobodyListensOnIsRefused() throws Exception {
        SmtpReply reply = send(Engine.freePort());
        assertThat(reply.code()).isZero();
        assertThat(events.attempts.get()).isEqualTo(1);
        assertThat(events.failures).containsExactly(ConnectFailure.REFUSED);
        assertThat(events.transactions).isEmpty();
    }

    @Test
    void aRefusingGreetingIsAGreetingFailure() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start().refuseSessions(1)) {
            assertThat(send(smtp.port()).code()).isEqualTo(421);
            assertThat(events.failures).containsExactly(ConnectFailure.GREETING);
            assertThat(send(smtp.port()).code()).as("the next session is held").isEqualTo(250);
            assertThat(events.attempts.get()).isEqualTo(2);
            assertThat(events.failures).hasSize(1);
            assertThat(events.transactions).hasSize(1).allSatisfy(nanos -> assertThat(nanos).isPositive());
        }
    }

    @Test
    void aGreetingPastTheConnectTimeoutIsATimeout() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start().stall(SmtpStage.GREETING, Duration.ofSeconds(3), 1)) {
            assertThat(send(smtp.port()).code()).isZero();
            assertThat(events.failures).containsExactly(ConnectFailure.TIMEOUT);
        }
    }

    @Test
    void aBrokenHandshakeIsATlsFailureAndTheRetryInTheClearAnotherAttempt() throws Exception {
        TestCertificates ca = TestCertificates.ca("Caravan Test CA");
        try (TlsSmtpServer smtp = TlsSmtpServer.start(ca.server("127.0.0.1"), TlsSmtpServer.Mode.BREAK_HANDSHAKE)) {
            assertThat(send(smtp.port()).code()).as("opportunistic TLS falls back to plain").isEqualTo(250);
            assertThat(events.failures).containsExactly(ConnectFailure.TLS);
            assertThat(events.attempts.get()).isEqualTo(2);
            assertThat(events.transactions).hasSize(1);
        }
    }

    private SmtpReply send(int port) throws Exception {
        try (SmtpConnectionPool pool = new SmtpConnectionPool(session, 1, 100, Rate.UNLIMITED, Duration.ofMillis(1))) {
            pool.observe(events);
            PooledSmtpSender sender = new PooledSmtpSender(pool, session, Pacer.unlimited());
            OutboundMessage m = new OutboundMessage(session, "Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII),
                    "<p@t>", "a@example.net", List.of("b@example.org"), List.of(new NextHop("127.0.0.1", port)));
            sender.send(m);
            return m.replies().get("b@example.org");
        }
    }

    private static final class Recorder implements SmtpEvents {
        final AtomicInteger attempts = new AtomicInteger();
        final List<ConnectFailure> failures = new CopyOnWriteArrayList<>();
        final List<Long> transactions = new CopyOnWriteArrayList<>();

        @Override
        public void connecting() {
            attempts.incrementAndGet();
        }

        @Override
        public void connectFailed(ConnectFailure why) {
            failures.add(why);
        }

        @Override
        public void transaction(long nanos) {
            transactions.add(nanos);
        }
    }
}
