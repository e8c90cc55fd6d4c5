package org.caravan.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.caravan.broker.CommitBatching;
import org.caravan.broker.QueueDepths;
import org.caravan.delivery.DeliveryLine;
import org.caravan.delivery.DeliveryLines;
import org.caravan.outcome.OutcomeRecorder;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The engine's mail metrics (docs/metrics.md): outcomes, queues, connections, backoff, commit batches. */
@Configuration(proxyBeanMethods = false)
public class MetricsConfiguration {

    static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128};

    @Bean
    MailMetrics mailMetrics(MeterRegistry registry, OutcomeRecorder outcomes, DeliveryLines lines, QueueDepths depths,
            @Value("${spring.artemis.mode:embedded}") String brokerMode,
            @Value("${caravan.metrics.top-domains:20}") int topDomains,
            @Qualifier("intakeCommits") CommitBatching intake, @Qualifier("deliveryCommits") CommitBatching delivery) {
        if (topDomains < 0) {
            throw new IllegalStateException("caravan.metrics.top-domains: must be 0 or more, not " + topDomains);
        }
        MailMetrics metrics = new MailMetrics(registry, topDomains);
        boolean queues = "embedded".equals(brokerMode); // an external broker's queues are not readable here
        // lines a reload adds get their meters too; a removed line's gauges go with it
        lines.follow(line -> {
            line.pool().observe(metrics.line(line.vmta(), line.policyName()));
            LineGauges.register(registry, line, depths, queues);
            line.state().onModeChange(change -> registry.counter("caravan.mode.changes", "vmta", change.vmta(),
                    "policy", change.policy(), "mode", change.mode().label()).increment());
        }, line -> LineGauges.remove(registry, line));
        intake.observe(batchSizes(registry, "intake")::record);
        delivery.observe(batchSizes(registry, "delivery")::record);
        outcomes.listen(metrics);
        return metrics;
    }

    private static DistributionSummary batchSizes(MeterRegistry registry, String stage) {
        return DistributionSummary.builder("caravan.commit.batch.messages")
                .description("messages acked by one broker commit").tag("stage", stage)
                .serviceLevelObjectives(BATCH_BUCKETS).register(registry);
    }
}
