package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.caravan.testsupport.SmtpStage;
import org.junit.jupiter.api.Test;

/**
 * The duplicate window after a crash is what the broker has not acked: every delivery the server
 * accepted must be acked (its batch committed) within caravan.delivery.commit-max-age, also when
 * the next message of the same consumer waits for the policy's 2/s rate, or sits in a slow SMTP
 * transaction. Acks are read from the broker's own counter of acknowledged messages per queue.
 */
class AckWithinMaxAgeTest {

    private static final int MESSAGES = 4;
    private static final Duration MAX_AGE = Duration.ofMillis(20);
    /** Scheduling on a busy 2-core machine; a message that waits behind its successor is late by 500 ms or more. */
    private static final Duration MARGIN = Duration.ofMillis(250);
    private static final Duration SLOW_REPLY = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** (when, how many acked so far) of one queue, sampled. */
    private record Sample(long nanos, long acked) { }

    @Test
    void everyAcceptedDeliveryIsAckedWithinMaxAgeOnAThrottledPolicyAndASlowServer() throws Exception {
        try (ScriptedSmtpServer slow = ScriptedSmtpServer.start().stall(SmtpStage.DATA_END, SLOW_REPLY);
                ScriptedSmtpServer fast = ScriptedSmtpServer.start()) {
            Map<String, String> policies = new LinkedHashMap<>();
            policies.put("slow", "slow.test " + slow.port());
            policies.put("throttled", "throttled.test " + fast.port());
            policies.put("default", "* " + fast.port());
            try (Engine engine = Engine.start(Engine.routedConfig(policies, "max-smtp-out: 1\nmax-msg-rate: 2/s\n"),
                    "caravan.delivery.commit-batch=16", "caravan.delivery.commit-max-age=" + MAX_AGE.toMillis() + "ms")) {
                ActiveMQServer broker = engine.bean(EmbeddedActiveMQ.class).getActiveMQServer();
                Map<String, List<Sample>> samples = new LinkedHashMap<>();
                samples.put("slow", new ArrayList<>());
                samples.put("throttled", new ArrayList<>());
                Thread sampler = new Thread(() -> sample(broker, samples), "ack-sampler");
                sampler.setDaemon(true);
                sampler.start();
                for (int i = 0; i < MESSAGES; i++) {
                    engine.broker().submit(RoutingTest.mail("<s" + i + "@ack.test>", "u" + i + "@slow.test"), Map.of());
                    engine.broker().submit(RoutingTest.mail("<t" + i + "@ack.test>", "u" + i + "@throttled.test"), Map.of());
                }
                assertThat(slow.awaitMessages(MESSAGES, WAIT)).isTrue();
                assertThat(fast.awaitMessages(MESSAGES, WAIT)).isTrue();
                Thread.sleep(1000);
                sampler.interrupt();
                sampler.join();

                assertAckedInTime("slow", slow.received(), samples.get("slow"));
                assertAckedInTime("throttled", fast.received(), samples.get("throttled"));
            }
        }
    }

    /** The n-th acceptance (one consumer: in queue order) must be followed by the n-th ack within max-age + margin. */
    private static void assertAckedInTime(String policy, List<Received> accepted, List<Sample> samples) {
        List<Long> lags = new ArrayList<>();
        for (int n = 0; n < accepted.size(); n++) {
            long acceptedAt = accepted.get(n).nanoTime();
            long need = n + 1;
            long ackedAt = samples.stream().filter(s -> s.acked() >= need).mapToLong(Sample::nanos).findFirst()
                    .orElse(Long.MAX_VALUE);
            lags.add(ackedAt == Long.MAX_VALUE ? -1 : (ackedAt - acceptedAt) / 1_000_000);
        }
        System.out.printf("%s: ms from each 250 to its ack: %s%n", policy, lags);
        assertThat(lags).as("%s: ms from each accepted delivery to its ack", policy)
                .allSatisfy(ms -> assertThat(ms).isBetween(0L, MAX_AGE.plus(MARGIN).toMillis()));
    }

    private static void sample(ActiveMQServer broker, Map<String, List<Sample>> samples) {
        while (!Thread.currentThread().isInterrupted()) {
            samples.forEach((policy, list) -> {
                var queue = broker.locateQueue("mail.deliver.default." + policy);
                long acked = queue == null ? 0 : queue.getMessagesAcknowledged();
                long now = System.nanoTime(); // read after the counter: never earlier than the ack
                if (list.isEmpty() || list.get(list.size() - 1).acked() != acked) {
                    list.add(new Sample(now, acked));
                }
            });
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
