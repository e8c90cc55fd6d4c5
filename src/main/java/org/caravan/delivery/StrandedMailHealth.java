package org.caravan.delivery;

import java.util.Map;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * DOWN while mail waits on a delivery queue that no configured line consumes, naming each queue
 * and its depth; gauge caravan.stranded.messages counts that mail for alerting.
 */
public class StrandedMailHealth implements HealthIndicator {

    public static final String GAUGE = "caravan.stranded.messages";

    private final StrandedQueues queues;

    public StrandedMailHealth(StrandedQueues queues, MeterRegistry registry) {
        this.queues = queues;
        Gauge.builder(GAUGE, this, StrandedMailHealth::total)
                .description("messages on mail.deliver queues no configured (vmta, policy) consumes")
                .baseUnit("messages")
                .register(registry);
    }

    double total() {
        return queues.depths().values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public Health health() {
        if (queues.server() == null) {
            return Health.unknown().withDetail("mode", "external broker: queues not inspected").build();
        }
        Map<String, Long> depths = queues.depths();
        depths.values().removeIf(depth -> depth == 0);
        if (depths.isEmpty()) {
            return Health.up().build();
        }
        Health.Builder down = Health.down();
        depths.forEach((queue, depth) -> down.withDetail(queue, depth + " messages, "
                + (queues.movable(queue) ? "not moved (see the log)" : "its virtual MTA is not configured")));
        return down.build();
    }
}
