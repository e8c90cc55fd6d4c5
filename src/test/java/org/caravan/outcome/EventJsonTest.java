package org.caravan.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.caravan.smtp.SmtpReply;
import org.junit.jupiter.api.Test;

class EventJsonTest {

    private static final long QUEUED = Instant.parse("2026-11-28T15:04:05.123Z").toEpochMilli();
    private static final long LOGGED = Instant.parse("2026-11-28T15:04:07Z").toEpochMilli();

    private final EventJson json = new EventJson();
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void writesEveryFieldInContractOrder() throws Exception {
        DeliveryOutcome o = new DeliveryOutcome(OutcomeType.BOUNCED, "bob@gmail.com", "gmail.com", "gmail",
                "default", "job-7", "env-1", "<m1@example.com>", "bounces@example.com", 3,
                SmtpReply.parse(550, "550-5.1.1 The email account \"bob\" does not exist"), "gmail-smtp-in.l.google.com",
                BounceCategory.BAD_MAILBOX, QUEUED, LOGGED);

        JsonNode node = mapper.readTree(json.toJson(o));

        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("type", "recipient", "domain", "policy", "vmta", "jobId", "messageId",
                "attempt", "smtpCode", "enhancedCode", "smtpText", "mx", "bounceCategory", "queuedAt", "timestamp",
                "envId", "mailFrom");
        assertThat(node.get("type").asText()).isEqualTo("bounced");
        assertThat(node.get("recipient").asText()).isEqualTo("bob@gmail.com");
        assertThat(node.get("domain").asText()).isEqualTo("gmail.com");
        assertThat(node.get("policy").asText()).isEqualTo("gmail");
        assertThat(node.get("vmta").asText()).isEqualTo("default");
        assertThat(node.get("jobId").asText()).isEqualTo("job-7");
        assertThat(node.get("messageId").asText()).isEqualTo("<m1@example.com>");
        assertThat(node.get("attempt").isInt()).isTrue();
        assertThat(node.get("attempt").asInt()).isEqualTo(3);
        assertThat(node.get("smtpCode").isInt()).isTrue();
        assertThat(node.get("smtpCode").asInt()).isEqualTo(550);
        assertThat(node.get("enhancedCode").asText()).isEqualTo("5.1.1");
        assertThat(node.get("smtpText").asText()).isEqualTo("The email account \"bob\" does not exist");
        assertThat(node.get("mx").asText()).isEqualTo("gmail-smtp-in.l.google.com");
        assertThat(node.get("bounceCategory").asText()).isEqualTo("bad-mailbox");
        assertThat(node.get("queuedAt").asText()).isEqualTo("2026-11-28T15:04:05.123Z");
        assertThat(node.get("timestamp").asText()).isEqualTo("2026-11-28T15:04:07.000Z");
        assertThat(node.get("envId").asText()).isEqualTo("env-1");
        assertThat(node.get("mailFrom").asText()).isEqualTo("bounces@example.com");
    }

    @Test
    void nullStringsBecomeJsonNull() throws Exception {
        DeliveryOutcome o = new DeliveryOutcome(OutcomeType.DELIVERED, "a@example.com", "example.com", "default",
                "default", null, null, null, null, 1, SmtpReply.parse(250, "250 2.0.0 OK"), "mx.example.com",
                null, QUEUED, LOGGED);

        JsonNode node = mapper.readTree(json.toJson(o));

        assertThat(node.get("type").asText()).isEqualTo("delivered");
        for (String field : List.of("jobId", "envId", "messageId", "mailFrom", "bounceCategory")) {
            assertThat(node.get(field).isNull()).as(field).isTrue();
        }
        assertThat(node.get("smtpText").asText()).isEqualTo("OK");
    }

    @Test
    void writesExactlyOneObject() {
        DeliveryOutcome o = new DeliveryOutcome(OutcomeType.DEFERRED, "a@example.com", "example.com", "default",
                "default", "j", "e", "m", "f", 2, SmtpReply.connectionFailure("Connection refused"), "",
                null, QUEUED, LOGGED);

        String text = json.toJson(o);

        assertThat(text).startsWith("{").endsWith("}").doesNotContain("\n");
    }

    @Test
    void aSessionOverTlsAddsWithWhatAndAPlainOneNothing() throws Exception {
        DeliveryOutcome o = new DeliveryOutcome(OutcomeType.DELIVERED, "bob@gmail.com", "gmail.com", "gmail",
                "default", "job-7", "env-1", "<m1@example.com>", "bounces@example.com", 1,
                SmtpReply.parse(250, "250 2.0.0 OK"), "gmail-smtp-in.l.google.com", null, QUEUED, LOGGED,
                new org.caravan.smtp.TlsDetails("TLSv1.3", "TLS_AES_256_GCM_SHA384", true));

        JsonNode tls = mapper.readTree(json.toJson(o)).get("tls");

        assertThat(tls.get("protocol").asText()).isEqualTo("TLSv1.3");
        assertThat(tls.get("cipher").asText()).isEqualTo("TLS_AES_256_GCM_SHA384");
        assertThat(tls.get("verified").asBoolean()).isTrue();
        DeliveryOutcome plain = new DeliveryOutcome(OutcomeType.DELIVERED, "bob@gmail.com", "gmail.com", "gmail",
                "default", "job-7", "env-1", "<m1@example.com>", "bounces@example.com", 1,
                SmtpReply.parse(250, "250 2.0.0 OK"), "gmail-smtp-in.l.google.com", null, QUEUED, LOGGED);
        assertThat(mapper.readTree(json.toJson(plain)).has("tls")).isFalse();
    }
}
