package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.commons.csv.CSVRecord;
import org.caravan.delivery.StrandedMailHealth;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/** A policy renamed or removed in mta.yaml does not strand the mail queued for it. */
class StrandedQueueTest {

    private static final int MESSAGES = 200;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSZ");

    @Test
    void mailOfARemovedPolicyIsDeliveredOnceThroughTodaysPolicyAtItsScheduledTime() throws Exception {
        int refusing = Engine.freePort();
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(policies(refusing, "old", refusing))) {
            List<byte[]> mails = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                mails.add(RoutingTest.mail("<s" + i + "@test>", "user" + i + "@example.org").getBytes());
            }
            engine.broker().submitAll(mails, Map.of());
            List<CSVRecord> deferred = engine.accounting().await("t", MESSAGES, Duration.ofSeconds(90));
            assertThat(deferred).hasSizeGreaterThanOrEqualTo(MESSAGES).allMatch(r -> r.get("policy").equals("old"));
            engine.stop();

            Files.writeString(engine.dir().resolve("mta.yaml"), policies(refusing, "new", smtp.port()));
            engine.restart();

            ActiveMQServer server = engine.bean(EmbeddedActiveMQ.class).getActiveMQServer();
            assertThat(server.locateQueue("mail.deliver.default.old")).as("emptied and deleted").isNull();
            assertThat(engine.bean(StrandedMailHealth.class).health().getStatus()).isEqualTo(Status.UP);
            assertThat(smtp.awaitMessages(MESSAGES, Duration.ofSeconds(120))).isTrue();
            Thread.sleep(500);

            assertThat(smtp.messageCount()).isEqualTo(MESSAGES);
            Set<String> ids = new HashSet<>();
            smtp.received().forEach(r -> ids.add(r.messageId()));
            assertThat(ids).hasSize(MESSAGES);
            List<CSVRecord> delivered = engine.accounting().await("d", MESSAGES, Duration.ofSeconds(10));
            assertThat(delivered).hasSize(MESSAGES).allMatch(r -> r.get("policy").equals("new"));
            assertThat(delivered).allMatch(r -> r.get("attempt").equals("2"));
            // the retry kept the time it was scheduled for under the old policy (15 s after the deferral)
            Map<String, OffsetDateTime> deferredAt = new HashMap<>();
            deferred.forEach(r -> deferredAt.merge(r.get("messageId"), time(r), (a, b) -> a.isAfter(b) ? a : b));
            assertThat(delivered).allSatisfy(r -> assertThat(time(r))
                    .isAfterOrEqualTo(deferredAt.get(r.get("messageId")).plusSeconds(14)));
        }
    }

    @Test
    void mailOfARemovedVirtualMtaStaysAndHealthNamesItsQueue() throws Exception {
        int refusing = Engine.freePort();
        String withGone = "virtual-mtas:\n  default: {}\n  gone: {}\n" + policies(refusing, "old", refusing);
        try (Engine engine = Engine.start(withGone)) {
            List<byte[]> mails = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                mails.add(RoutingTest.mail("<g" + i + "@test>", "user" + i + "@example.org").getBytes());
            }
            engine.broker().submitAll(mails, Map.of("vmta", "gone"));
            assertThat(engine.accounting().await("t", 5, Duration.ofSeconds(60))).hasSizeGreaterThanOrEqualTo(5);
            engine.stop();

            Files.writeString(engine.dir().resolve("mta.yaml"), policies(refusing, "new", refusing));
            engine.restart();

            Health health = engine.bean(StrandedMailHealth.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsOnlyKeys("mail.deliver.gone.old");
            assertThat(String.valueOf(health.getDetails().get("mail.deliver.gone.old"))).startsWith("5 messages");
            assertThat(engine.bean(MeterRegistry.class).get(StrandedMailHealth.GAUGE).gauge().value()).isEqualTo(5.0);
            assertThat(engine.bean(EmbeddedActiveMQ.class).getActiveMQServer().locateQueue("mail.deliver.gone.old")
                    .getMessageCount()).isEqualTo(5);
        }
    }

    private static String policies(int defaultPort, String name, int port) {
        return "domain-policies:\n"
                + "  default:\n    route: 127.0.0.1:" + defaultPort + "\n    retry-after: [15s]\n    backoff-retry: 15s\n"
                + "  " + name + ":\n    match: [example.org]\n    route: 127.0.0.1:" + port + "\n    max-smtp-out: 4\n";
    }

    private static OffsetDateTime time(CSVRecord r) {
        return OffsetDateTime.parse(r.get("timeLogged"), TIME);
    }
}
