package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.commons.csv.CSVRecord;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedDnsServer;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/** Mail stranded on a removed policy's queue is classified again as intake would: by MX host too. */
class StrandedMxQueueTest {

    private static final int MESSAGES = 20;

    @Test
    void mailOfARemovedMxPolicyGoesToTodaysMxPolicyNotToDefault() throws Exception {
        int refusing = Engine.freePort();
        try (ScriptedDnsServer dns = ScriptedDnsServer.start().mx("workspace.test", "aspmx.l.google.com");
                ScriptedSmtpServer google = ScriptedSmtpServer.start();
                ScriptedSmtpServer fallback = ScriptedSmtpServer.start()) {
            String[] props = {"caravan.dns.servers=" + dns.address(), "caravan.dns.timeout=2s"};
            try (Engine engine = Engine.start(config("old", refusing, fallback.port()), props)) {
                List<byte[]> mails = new ArrayList<>();
                for (int i = 0; i < MESSAGES; i++) {
                    mails.add(RoutingTest.mail("<sm" + i + "@test>", "user" + i + "@workspace.test").getBytes());
                }
                engine.broker().submitAll(mails, Map.of());
                assertThat(engine.accounting().await("t", MESSAGES, Duration.ofSeconds(60)))
                        .hasSizeGreaterThanOrEqualTo(MESSAGES).allMatch(r -> r.get("policy").equals("old"));
                engine.stop();

                Files.writeString(engine.dir().resolve("mta.yaml"), config("google", google.port(), fallback.port()));
                engine.restart(props);

                assertThat(google.awaitMessages(MESSAGES, Duration.ofSeconds(60))).isTrue();
                Thread.sleep(500);
                assertThat(google.messageCount()).isEqualTo(MESSAGES);
                assertThat(fallback.messageCount()).as("none under default").isZero();
                List<CSVRecord> delivered = engine.accounting().await("d", MESSAGES, Duration.ofSeconds(10));
                assertThat(delivered).hasSize(MESSAGES).allMatch(r -> r.get("policy").equals("google"))
                        .allMatch(r -> r.get("attempt").equals("2"));
            }
        }
    }

    private static String config(String policy, int port, int fallbackPort) {
        return """
                domain-policies:
                  %s:
                    mx-match: ["*.google.com"]
                    route: 127.0.0.1:%d
                    retry-after: 3s
                  default:
                    route: 127.0.0.1:%d
                """.formatted(policy, port, fallbackPort);
    }
}
