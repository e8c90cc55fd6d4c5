package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.caravan.broker.QueueDepths;
import org.caravan.testsupport.Console;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/** A queue paused from the console stays paused across a restart, its mail held, until resumed. */
class QueuePauseRestartTest {

    @Test
    void thePauseOutlivesARestart() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start("domain-policies:\n  default:\n    route: 127.0.0.1:" + smtp.port() + "\n")) {
            assertThat(post(engine, "pause").statusCode()).isEqualTo(200);
            engine.restart();
            assertThat(engine.bean(QueueDepths.class).of("mail.deliver.default.default").orElseThrow().paused()).isTrue();

            engine.broker().submit(QueueConsoleApiTest.mail("held@example.test"), Map.of());
            assertThat(smtp.awaitMessages(1, Duration.ofSeconds(2))).as("held while paused").isFalse();

            assertThat(post(engine, "resume").statusCode()).isEqualTo(200);
            assertThat(smtp.awaitMessages(1, Duration.ofSeconds(20))).as("sent once resumed").isTrue();
        }
    }

    private static HttpResponse<String> post(Engine engine, String action) throws Exception {
        Console console = new Console(engine);
        return console.sendCookieless(console.request("/api/queues/default/default/" + action)
                .header("Authorization", Console.basic(Engine.ADMIN, Engine.ADMIN_PASSWORD))
                .POST(HttpRequest.BodyPublishers.noBody()));
    }
}
