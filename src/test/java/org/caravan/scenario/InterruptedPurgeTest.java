package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import org.apache.commons.csv.CSVRecord;
import org.caravan.broker.QueueDepth;
import org.caravan.broker.QueueDepths;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/**
 * Mail a purge had moved aside onto mail.purge when the engine stopped (a retry among it, still
 * scheduled) is purged at the next start: recorded as bounced, then removed, never sent.
 */
class InterruptedPurgeTest {

    @Test
    void mailLeftOnTheAsideQueueIsPurgedAtStart() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start("domain-policies:\n  default:\n    route: 127.0.0.1:" + smtp.port() + "\n")) {
            try (Connection c = engine.broker().connect(); Session s = c.createSession(true, Session.SESSION_TRANSACTED)) {
                MessageProducer p = s.createProducer(s.createQueue("mail.purge"));
                p.send(left(s, "<left-1@test>", "[\"a@left.test\",\"b@left.test\"]", 0), DeliveryMode.PERSISTENT, 4, 0);
                p.send(left(s, "<left-2@test>", "[\"c@left.test\"]", System.currentTimeMillis() + 3_600_000),
                        DeliveryMode.PERSISTENT, 4, 0);
                s.commit();
            }
            engine.restart();

            List<CSVRecord> purged = engine.accounting().await("b", 3, Duration.ofSeconds(20));
            assertThat(purged).extracting(r -> r.get("rcpt")).containsExactlyInAnyOrder("a@left.test", "b@left.test",
                    "c@left.test");
            assertThat(purged).allSatisfy(r -> {
                assertThat(r.get("dsnDiag")).contains("purged by operator");
                assertThat(r.get("bounceCat")).isEqualTo("other");
                assertThat(r.get("jobId")).isEqualTo("job-left");
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (aside(engine) != 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(aside(engine)).isZero();
            assertThat(smtp.messageCount()).isZero();
        }
    }

    private static long aside(Engine engine) {
        return engine.bean(QueueDepths.class).of("mail.purge").map(QueueDepth::total).orElse(0L);
    }

    /** A delivery message as a purge moves it: the on-queue format, scheduledAt for a retry (0: none). */
    private static BytesMessage left(Session s, String messageId, String rcptTo, long scheduledAt) throws Exception {
        BytesMessage m = s.createBytesMessage();
        m.writeBytes("Subject: left\r\n\r\nbody\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        m.setIntProperty("caravanFormat", 2);
        m.setStringProperty("rcptTo", rcptTo);
        m.setStringProperty("mailFrom", "sender@example.net");
        m.setStringProperty("vmta", "default");
        m.setStringProperty("policy", "default");
        m.setStringProperty("domain", "left.test");
        m.setStringProperty("jobId", "job-left");
        m.setStringProperty("messageId", messageId);
        m.setIntProperty("attempt", 2);
        m.setLongProperty("queuedAt", System.currentTimeMillis() - 60_000);
        if (scheduledAt > 0) {
            m.setLongProperty("_AMQ_SCHED_DELIVERY", scheduledAt);
        }
        return m;
    }
}
