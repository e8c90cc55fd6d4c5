package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.activemq.artemis.api.core.management.AddressControl;
import org.apache.activemq.artemis.api.core.management.ResourceNames;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.caravan.outcome.OutcomeRecorder;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.EventWatcher;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/**
 * Events are a live, non-persistent feed: with nobody subscribed to mail.events none is built or
 * sent (the broker would drop it unrouted); a watcher that subscribes gets every outcome from then on.
 */
class UnwatchedEventsTest {

    @Test
    void noEventGoesOutWhileNobodyWatchesAndEveryOutcomeOnceSomebodyDoes() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start("domain-policies:\n  default:\n    route: 127.0.0.1:" + smtp.port() + "\n")) {
            engine.broker().submit(MessageIntegrityTest.submitted("<unwatched@test>"), Map.of("rcptTo", "one@example.com"));
            assertThat(smtp.awaitMessages(1, Duration.ofSeconds(20))).isTrue();
            Thread.sleep(500); // the outcome is recorded after the 250

            assertThat(unrouted(engine)).as("events sent to nobody").isZero();

            try (EventWatcher events = engine.broker().watchEvents()) {
                engine.broker().submit(MessageIntegrityTest.submitted("<watched@test>"), Map.of("rcptTo", "two@example.com"));
                List<Map<String, Object>> delivered = events.await("delivered", 1, Duration.ofSeconds(20));
                assertThat(delivered).extracting(e -> e.get("messageId") + " " + e.get("recipient"))
                        .containsExactly("<watched@test> two@example.com");
            }
        }
    }

    private static long unrouted(Engine engine) {
        AddressControl address = (AddressControl) engine.bean(EmbeddedActiveMQ.class).getActiveMQServer()
                .getManagementService().getResource(ResourceNames.ADDRESS + OutcomeRecorder.EVENTS_TOPIC);
        return address == null ? 0 : address.getUnRoutedMessageCount();
    }
}
