package org.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.caravan.config.MtaConfigLoader;
import org.caravan.delivery.Delivery;
import org.caravan.delivery.DeliveryHeaders;
import org.caravan.testsupport.MutableClock;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** The classification route's bean: where a waiting delivery goes next, and what it carries there. */
class ClassificationStageTest {

    private static final Instant SUBMITTED = Instant.parse("2026-12-01T10:00:00Z");
    private static final byte[] BODY = "Subject: x\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII);

    private final MxResolverTest.FakeDns dns = new MxResolverTest.FakeDns();
    private final MutableClock clock = new MutableClock(SUBMITTED);
    private final DomainClassifier classifier = new DomainClassifier(MtaConfigLoader.parse("""
            domain-policies:
              gmail:
                match: [gmail.com]
                mx-match: ["*.google.com"]
              default: {}
            """, Path.of("mta.yaml")), new MxResolver(dns, clock, 25, new Random(1)));
    private final ClassificationStage stage =
            new ClassificationStage(classifier, clock, Duration.ofMinutes(1), Duration.ofHours(1));

    @Test
    void aResolvedDomainGoesToItsPolicysQueueWithOnlyTheOnQueueFormat() {
        dns.mx("workspace.test", 300, 10, "aspmx.l.google.com");
        Exchange exchange = waiting("workspace.test");

        stage.classify(exchange);

        Map<String, Object> headers = exchange.getMessage().getHeaders();
        assertThat(headers).containsEntry(ClassificationStage.NEXT_QUEUE, "mail.deliver.bulk.gmail")
                .containsEntry(DeliveryHeaders.POLICY, "gmail").containsEntry(DeliveryHeaders.ATTEMPT, 1)
                .doesNotContainKeys("JMSMessageID", DeliveryHeaders.SCHEDULED_AT);
        assertThat(exchange.getMessage().getBody(byte[].class)).isEqualTo(BODY);
    }

    @Test
    void aTemporaryFailureGoesBackToWaitRetryAfterLater() {
        dns.timeout("flaky.test", Type.MX);
        clock.advance(Duration.ofMinutes(10));
        Exchange exchange = waiting("flaky.test");

        stage.classify(exchange);

        Map<String, Object> headers = exchange.getMessage().getHeaders();
        assertThat(headers).containsEntry(ClassificationStage.NEXT_QUEUE, ClassificationStage.QUEUE)
                .containsEntry(DeliveryHeaders.SCHEDULED_AT, clock.millis() + 60_000)
                .containsEntry(DeliveryHeaders.DOMAIN, "flaky.test")
                .doesNotContainKeys(DeliveryHeaders.POLICY, "JMSMessageID");
        assertThat(exchange.getMessage().getBody(byte[].class)).isEqualTo(BODY);
    }

    @Test
    void pastGiveUpAfterItTakesItsNameBasedPolicy() {
        dns.timeout("flaky.test", Type.MX);
        clock.advance(Duration.ofHours(1));
        Exchange exchange = waiting("flaky.test");

        stage.classify(exchange);

        assertThat(exchange.getMessage().getHeaders())
                .containsEntry(ClassificationStage.NEXT_QUEUE, "mail.deliver.bulk.default")
                .containsEntry(DeliveryHeaders.POLICY, "default")
                .doesNotContainKey(DeliveryHeaders.SCHEDULED_AT);
    }

    /** A delivery as intake put it on mail.classify, as the JMS consumer hands it over. */
    private static Exchange waiting(String domain) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        Delivery d = new Delivery(BODY, "<m@test>", "sender@example.net", List.of("user@" + domain), domain, null,
                "bulk", "job", null, SUBMITTED.toEpochMilli(), 1);
        DeliveryHeaders.write(d, exchange.getMessage().getHeaders());
        exchange.getMessage().getHeaders().remove(DeliveryHeaders.POLICY);
        exchange.getMessage().setHeader("JMSMessageID", "ID:1");
        exchange.getMessage().setHeader(DeliveryHeaders.SCHEDULED_AT, SUBMITTED.toEpochMilli());
        exchange.getMessage().setBody(BODY);
        return exchange;
    }
}
