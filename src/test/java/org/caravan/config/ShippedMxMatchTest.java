package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.caravan.routing.MxRollup;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The shipped policies claim the MX hosts the providers really use (as published in their DNS). */
class ShippedMxMatchTest {

    private static final MxRollup SHIPPED = new MxRollup(MtaConfigLoader.load(Path.of("config/mta.yaml")));

    @ParameterizedTest
    @CsvSource({
        "'aspmx.l.google.com alt1.aspmx.l.google.com alt2.aspmx.l.google.com', gmail",
        "smtp.google.com, gmail",
        "'aspmx.l.google.com aspmx2.googlemail.com', gmail",
        "mta5.am0.yahoodns.net, yahoo",
        "mx-aol.mail.gm0.yahoodns.net, yahoo",
        "hotmail-com.olc.protection.outlook.com, microsoft",
        "contoso-com.mail.protection.outlook.com, office365",
        "'contoso-com.mail.protection.outlook.com hotmail-com.olc.protection.outlook.com', ",
        "'aspmx.l.google.com mx.example.com', ",
        "mx.mail.yahoo.co.jp, ",
    })
    void mxHostsTakeTheirProvidersPolicy(String hosts, String policy) {
        assertThat(SHIPPED.policyOf(List.of(hosts.split(" ")))).isEqualTo(policy);
    }

    @org.junit.jupiter.api.Test
    void office365BacksOffOnExchangeOnlineThrottling() {
        DomainPolicy office365 = MtaConfigLoader.load(Path.of("config/mta.yaml")).policy("office365");
        org.caravan.delivery.ReplyPolicy rules = new org.caravan.delivery.ReplyPolicy(office365.replyRules());
        java.util.function.Function<String, ReplyAction> action = reply -> rules.decide(
                org.caravan.smtp.SmtpReply.parse(451, reply), org.caravan.smtp.SmtpStage.RCPT, 1, office365.retry(), 0, 0)
                .action();
        assertThat(action.apply("451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (S77714)"))
                .isEqualTo(ReplyAction.BACKOFF);
        assertThat(action.apply("451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited"))
                .isEqualTo(ReplyAction.BACKOFF);
        assertThat(action.apply("451 4.4.0 DNS query failed")).isEqualTo(ReplyAction.NONE);
    }
}
