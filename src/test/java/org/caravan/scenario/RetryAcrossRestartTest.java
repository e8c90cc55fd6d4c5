package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.commons.csv.CSVRecord;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/** A deferred retry lives in the broker's journal: it survives a restart with its attempt count. */
class RetryAcrossRestartTest {

    @Test
    void aScheduledRetrySurvivesARestartAndKeepsItsAttemptCount() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(Engine.routedConfig(Map.of("default", "* " + smtp.port()), """
                        retry-after: [8s]
                        backoff-retry: 8s
                        max-retries: 3
                        """))) {
            String rcpt = "later@restart.test";
            smtp.rcptReplies(rcpt, "451 4.7.1 try later", "250 OK");
            engine.broker().submit(RoutingTest.mail("<restart@test>", rcpt), Map.of());
            assertThat(engine.accounting().await("t", 1, Duration.ofSeconds(15))).hasSize(1);

            engine.restart(); // the retry is scheduled 8 s out: it waits in the journal meanwhile
            assertThat(engine.accounting().ofType("d")).as("not yet delivered when the new engine is up").isEmpty();

            List<CSVRecord> delivered = engine.accounting().await("d", 1, Duration.ofSeconds(20));
            assertThat(delivered).singleElement().satisfies(r -> {
                assertThat(r.get("rcpt")).isEqualTo(rcpt);
                assertThat(r.get("attempt")).isEqualTo("2");
            });
            assertThat(smtp.rcptAttempts(rcpt)).isEqualTo(2);
            assertThat(smtp.messageCount()).isEqualTo(1);
        }
    }
}
