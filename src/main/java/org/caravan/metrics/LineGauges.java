package org.caravan.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.caravan.broker.QueueDepth;
import org.caravan.broker.QueueDepths;
import org.caravan.config.ReplyAction;
import org.caravan.delivery.Delivery;
import org.caravan.delivery.DeliveryLine;
import org.caravan.delivery.PolicyState;

/**
 * The gauges of one delivery line, read at scrape time: its queue (ready, scheduled, in
 * delivery, oldest message, paused) from the embedded broker, its open connections, and its
 * backoff mode with the pattern or reply rule that triggered it, and whether a rule suspended it.
 */
final class LineGauges {

    private LineGauges() {
    }

    /** queues: false with an external broker, whose queues this process cannot read (no queue gauges then). */
    static void register(MeterRegistry registry, DeliveryLine line, QueueDepths depths, boolean queues) {
        Tags tags = Tags.of("vmta", line.vmta(), "policy", line.policyName());
        if (queues) {
            Depth depth = new Depth(depths, Delivery.queueOf(line.vmta(), line.policyName()));
            queueGauge(registry, tags, depth, "ready", QueueDepth::ready);
            queueGauge(registry, tags, depth, "scheduled", QueueDepth::scheduled);
            queueGauge(registry, tags, depth, "delivering", QueueDepth::delivering);
            Gauge.builder("caravan.queue.oldest.message.age", depth, d -> d.read().oldestAgeMillis() / 1000.0)
                    .baseUnit("seconds").description("how long the queue's oldest message has waited since first queued")
                    .tags(tags).strongReference(true).register(registry);
            Gauge.builder("caravan.queue.paused", depth, d -> d.read().paused() ? 1 : 0)
                    .description("1 while an operator holds the queue paused").tags(tags).strongReference(true)
                    .register(registry);
        }
        Gauge.builder("caravan.connections.open", line.pool(), p -> p.openConnections())
                .description("SMTP connections open now, busy and idle").tags(tags).register(registry);
        PolicyState state = line.state();
        Gauge.builder("caravan.backoff.mode", state, s -> s.isInBackoff() ? 1 : 0)
                .description("1 while the line is in backoff mode").tags(tags).register(registry);
        Gauge.builder("caravan.line.suspended", state, s -> s.isSuspended() ? 1 : 0)
                .description("1 while a reply rule holds the line (suspend, disable-source-ip): it takes no mail")
                .tags(tags).register(registry);
        List<String> triggers = new ArrayList<>(state.policy().backoff().patterns());
        state.policy().replyRules().stream().filter(r -> r.action() == ReplyAction.BACKOFF)
                .map(r -> r.match().pattern()).distinct().forEach(triggers::add);
        triggers.add(PolicyState.OPERATOR);
        for (String pattern : triggers) {
            Gauge.builder("caravan.backoff.trigger", state, s -> pattern.equals(s.backoffPattern()) ? 1 : 0)
                    .description("1 for the backoff pattern (or operator) that put the line in backoff")
                    .tags(tags).tag("pattern", pattern).register(registry);
        }
    }

    /** Drops a removed line's gauges (its counters stay: totals so far are still true). */
    static void remove(MeterRegistry registry, DeliveryLine line) {
        registry.getMeters().stream()
                .filter(m -> m instanceof Gauge)
                .filter(m -> line.vmta().equals(m.getId().getTag("vmta"))
                        && line.policyName().equals(m.getId().getTag("policy")))
                .toList()
                .forEach(registry::remove);
    }

    private static void queueGauge(MeterRegistry registry, Tags tags, Depth depth, String state,
            ToDoubleFunction<QueueDepth> value) {
        Gauge.builder("caravan.queue.messages", depth, d -> value.applyAsDouble(d.read()))
                .description("messages on the line's delivery queue: ready, scheduled (deferred, waiting for"
                        + " their retry) or in delivery").tags(tags).tag("state", state).strongReference(true)
                .register(registry);
    }

    /** One reading of the queue shared by the gauges of one scrape (they are read one after another). */
    static final class Depth {

        private static final long FRESH_NANOS = 500_000_000L;
        private final QueueDepths depths;
        private final String queue;
        private QueueDepth last;
        private long readAt;

        Depth(QueueDepths depths, String queue) {
            this.depths = depths;
            this.queue = queue;
        }

        synchronized QueueDepth read() {
            long now = System.nanoTime();
            if (last == null || now - readAt > FRESH_NANOS) {
                last = depths.of(queue).orElse(new QueueDepth(queue, 0, 0, 0, 0, false, 0));
                readAt = now;
            }
            return last;
        }
    }
}
