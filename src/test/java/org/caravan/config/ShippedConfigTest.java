package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.caravan.delivery.ReplyPolicy;
import org.caravan.smtp.SmtpReply;
import org.caravan.smtp.SmtpStage;
import org.junit.jupiter.api.Test;

/** The config/mta.yaml that ships with the project loads and says what it is meant to say. */
class ShippedConfigTest {

    private static final Path SHIPPED = Path.of("config/mta.yaml");

    @Test
    void loads() {
        MtaConfig config = MtaConfigLoader.load(SHIPPED);
        assertThat(config.policies().keySet()).containsExactly("gmail", "yahoo", "microsoft", "office365", "default");
        assertThat(config.hasVmta("default")).isTrue();
        assertThat(config.policy("gmail").match()).contains("gmail.com", "googlemail.com");
        assertThat(config.policy("yahoo").match()).contains("yahoo.com", "yahoo.co.uk", "ymail.com",
                "rocketmail.com", "aol.com", "aim.com");
        assertThat(config.policy("microsoft").match()).contains("outlook.com", "hotmail.com", "live.com", "msn.com",
                "hotmail.co.uk", "hotmail.fr", "live.co.uk", "outlook.fr");
    }

    @Test
    void productionUsesMxLookup() throws Exception {
        MtaConfig config = MtaConfigLoader.load(SHIPPED);
        assertThat(config.policies().values()).allSatisfy(p -> assertThat(p.route()).isNull());
        assertThat(Files.readAllLines(SHIPPED)).noneMatch(line -> line.strip().startsWith("route:"));
    }

    @Test
    void eachProvidersThrottlingReplyFiresItsCatalogueAction() {
        MtaConfig config = MtaConfigLoader.load(SHIPPED);
        assertThat(action(config, "gmail", 421, "4.7.28 [192.0.2.1] Our system has detected an unusual rate of"
                + " unsolicited mail")).isEqualTo(ReplyAction.BACKOFF);
        assertThat(action(config, "yahoo", 421, "4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due"
                + " to unexpected volume or user complaints")).isEqualTo(ReplyAction.SUSPEND);
        assertThat(action(config, "microsoft", 451, "4.7.650 The mail server [192.0.2.1] has been temporarily"
                + " rate limited due to IP reputation")).isEqualTo(ReplyAction.BACKOFF);
        assertThat(action(config, "office365", 451, "4.7.500 Server busy. Please try again later from"
                + " [192.0.2.1]")).isEqualTo(ReplyAction.BACKOFF);
        assertThat(action(config, "default", 421, "4.7.0 Try again later")).isEqualTo(ReplyAction.NONE);
        assertThat(action(config, "default", 450, "4.2.0 Greylisted, see https://postgrey.example/"))
                .as("the default catalogue's greylisting entry").isEqualTo(ReplyAction.DEFER);
    }

    private static ReplyAction action(MtaConfig config, String policy, int code, String text) {
        DomainPolicy p = config.policy(policy);
        ReplyPolicy rules = new ReplyPolicy(p.replyRules());
        return rules.decide(SmtpReply.parse(code, code + " " + text), SmtpStage.RCPT, 1, p.retry(), 0, 0).action();
    }
}
