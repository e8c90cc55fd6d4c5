package org.caravan.demo;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.caravan.broker.QueueDepth;
import org.caravan.broker.QueueDepths;
import org.caravan.delivery.DeliveryLine;
import org.caravan.delivery.DeliveryLines;
import org.caravan.delivery.PolicyState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's log summary: every so often, per provider what the fake took and deferred since the
 * last summary, and per delivery line its mode (normal, or backoff with its trigger and end), the
 * pace in force and its queue (ready, scheduled for retry). The per-message record is accounting.
 */
public final class DemoSummary implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoSummary.class);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private final DemoProviders providers;
    private final DeliveryLines lines;
    private final QueueDepths depths;
    private final Duration every;
    private final Map<String, long[]> last = new HashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "demo-summary");
        t.setDaemon(true);
        return t;
    });

    public DemoSummary(DemoProviders providers, DeliveryLines lines, QueueDepths depths, Duration every) {
        this.providers = providers;
        this.lines = lines;
        this.depths = depths;
        this.every = every;
    }

    public void start() {
        timer.scheduleWithFixedDelay(() -> {
            try {
                LOG.info("{}", summary());
            } catch (RuntimeException e) {
                LOG.debug("demo summary failed", e);
            }
        }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One block: a line per policy and, under it, one per vmta delivering it. */
    String summary() {
        StringBuilder b = new StringBuilder("demo: the last ").append(every.toSeconds()).append(" s per provider");
        for (Map.Entry<String, FakeProvider> e : providers.byPolicy().entrySet()) {
            String policy = e.getKey();
            FakeProvider fake = e.getValue();
            long[] before = last.getOrDefault(policy, new long[2]);
            long received = fake.received();
            long deferred = fake.deferred();
            last.put(policy, new long[] {received, deferred});
            b.append(String.format("%n  %-10s accepted %4d, deferred %4d", policy, received - before[0],
                    deferred - before[1]));
            if (deferred > before[1]) {
                b.append("  last: ").append(shorten(fake.lastRefusal()));
            }
            for (DeliveryLine line : lines.all()) {
                if (line.policyName().equals(policy)) {
                    b.append(String.format("%n    vmta %-8s %s", line.vmta(), line(line)));
                }
            }
        }
        return b.toString();
    }

    private String line(DeliveryLine line) {
        PolicyState state = line.state();
        String mode = state.isInBackoff()
                ? "BACKOFF on " + state.backoffPattern() + " until " + TIME.format(Instant.ofEpochMilli(state.backoffUntil()))
                : "normal";
        StringBuilder s = new StringBuilder(String.format("%-40s pace %-5s", mode, state.currentMsgRate()));
        depths.of("mail.deliver." + line.vmta() + "." + line.policyName()).ifPresent((QueueDepth q) ->
                s.append(String.format(" queue: %d ready, %d scheduled for retry, %d in delivery", q.ready(),
                        q.scheduled(), q.delivering())));
        return s.toString();
    }

    private static String shorten(String reply) {
        return reply.length() > 90 ? reply.substring(0, 87) + "..." : reply;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
