package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.caravan.broker.JournalDiskGuard;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/** A nearly full journal disk stops intake, with health DOWN, before the broker blocks; it resumes after. */
class JournalDiskTest {

    @Test
    void intakeStopsAboveTheThresholdAndResumesBelowIt() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(Engine.routedConfig(Map.of("default", "* " + smtp.port()), ""),
                        "caravan.disk.stop-at=1%", "caravan.disk.check-interval=100ms")) {
            JournalDiskGuard guard = engine.bean(JournalDiskGuard.class);
            assertThat(guard.isIntakeSuspended()).as("checked before the engine reports started").isTrue();
            Health health = guard.health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsKeys("usedPercent", "stopAtPercent", "journal", "intake")
                    .containsEntry("maxDiskUsagePercent", 90);
            assertThat(engine.bean(MeterRegistry.class).get(JournalDiskGuard.USED_GAUGE).gauge().value())
                    .isGreaterThan(0.00001).isLessThanOrEqualTo(1.0);

            HttpResponse<String> probe = http(engine, "/actuator/health");
            assertThat(probe.statusCode()).as("what a load balancer's probe sees").isEqualTo(503);
            assertThat(http(engine, "/actuator/prometheus").body())
                    .contains("caravan_journal_disk_used_ratio ", "caravan_journal_disk_stop_at_ratio ",
                            "caravan_stranded_messages ");

            engine.broker().submit(RoutingTest.mail("<full@test>", "alice@example.org"), Map.of());
            Queue submit = engine.bean(EmbeddedActiveMQ.class).getActiveMQServer().locateQueue("mail.submit");
            Thread.sleep(2000);
            assertThat(submit.getMessageCount()).as("waits on mail.submit").isEqualTo(1);
            assertThat(submit.getConsumerCount()).as("intake not consuming").isZero();
            assertThat(smtp.messageCount()).isZero();

            guard.setStopAtPercent(100);
            assertThat(smtp.awaitMessages(1, Duration.ofSeconds(20))).isTrue();
            assertThat(guard.isIntakeSuspended()).isFalse();
            assertThat(guard.health().getStatus()).isEqualTo(Status.UP);
            assertThat(submit.getMessageCount()).isZero();
            assertThat(http(engine, "/actuator/health").statusCode()).isEqualTo(200);
        }
    }

    private static HttpResponse<String> http(Engine engine, String path) throws Exception {
        String port = engine.context().getEnvironment().getProperty("local.server.port");
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
