package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/** Each provider's mail reaches that provider's server; a two-domain message becomes two deliveries. */
class RoutingTest {

    @Test
    void mailGoesToTheServerOfItsPolicy() throws Exception {
        try (ScriptedSmtpServer gmail = ScriptedSmtpServer.start();
                ScriptedSmtpServer yahoo = ScriptedSmtpServer.start();
                ScriptedSmtpServer other = ScriptedSmtpServer.start()) {
            Map<String, String> policies = new LinkedHashMap<>();
            policies.put("gmail", "gmail.com " + gmail.port());
            policies.put("yahoo", "yahoo.com " + yahoo.port());
            policies.put("default", "* " + other.port());
            try (Engine engine = Engine.start(Engine.routedConfig(policies, "max-smtp-out: 2\n"))) {
                engine.broker().submit(mail("<one@test>", "alice@gmail.com"), Map.of());
                engine.broker().submit(mail("<two@test>", "bob@yahoo.com"), Map.of());
                engine.broker().submit(mail("<three@test>", "carol@example.org"), Map.of());
                engine.broker().submit(mail("<four@test>", "dave@gmail.com, erin@example.org, frank@gmail.com"), Map.of());

                assertThat(gmail.awaitMessages(2, Duration.ofSeconds(20))).isTrue();
                assertThat(yahoo.awaitMessages(1, Duration.ofSeconds(20))).isTrue();
                assertThat(other.awaitMessages(2, Duration.ofSeconds(20))).isTrue();
                assertThat(engine.accounting().await("d", 6, Duration.ofSeconds(10))).hasSize(6);
                Thread.sleep(300);

                assertThat(gmail.messageCount()).isEqualTo(2);
                assertThat(yahoo.messageCount()).isEqualTo(1);
                assertThat(other.messageCount()).isEqualTo(2);
                // the two-domain message: one transaction per domain, all of a domain's recipients in it
                assertThat(gmail.received().stream().filter(r -> "<four@test>".equals(r.messageId())).toList())
                        .singleElement()
                        .satisfies(r -> assertThat(r.rcptTo()).containsExactlyInAnyOrder("dave@gmail.com", "frank@gmail.com"));
                assertThat(other.received().stream().filter(r -> "<four@test>".equals(r.messageId())).toList())
                        .singleElement()
                        .satisfies(r -> assertThat(r.rcptTo()).containsExactly("erin@example.org"));
                assertThat(yahoo.received().get(0).rcptTo()).isEqualTo(List.of("bob@yahoo.com"));
                assertThat(engine.accounting().ofType("d"))
                        .extracting(r -> r.get("rcpt") + "=" + r.get("policy"))
                        .contains("alice@gmail.com=gmail", "bob@yahoo.com=yahoo", "carol@example.org=default",
                                "erin@example.org=default", "frank@gmail.com=gmail");
            }
        }
    }

    static String mail(String messageId, String to) {
        return "From: Sender <sender@example.net>\r\n"
                + "To: " + to + "\r\n"
                + "Subject: routing\r\n"
                + "Message-ID: " + messageId + "\r\n"
                + "\r\n"
                + "Hello.\r\n";
    }
}
