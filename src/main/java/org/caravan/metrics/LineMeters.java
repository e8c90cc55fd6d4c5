package org.caravan.metrics;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.caravan.outcome.BounceCategory;
import org.caravan.outcome.DeliveryOutcome;
import org.caravan.smtp.ConnectFailure;
import org.caravan.smtp.SmtpEvents;

/**
 * The counters and histograms of one delivery line (vmta, policy), built once so that counting
 * an outcome is an increment, not a registry lookup with tags built per message. Also the line's
 * SMTP observer: connection attempts and failures, transaction latency.
 */
final class LineMeters implements SmtpEvents {

    /** Time in queue: first queued to delivered or bounced, from seconds to the 5-day queue lifetime and past it. */
    static final Duration[] QUEUE_BUCKETS = durations("1s", "5s", "30s", "1m", "5m", "15m", "30m", "1h", "2h", "4h",
            "8h", "12h", "1d", "2d", "3d", "4d", "5d", "7d");
    /** One message's SMTP transaction: from a local sink's milliseconds to transaction-timeout (20m). */
    static final Duration[] TRANSACTION_BUCKETS = durations("10ms", "25ms", "50ms", "100ms", "250ms", "500ms", "1s",
            "2500ms", "5s", "10s", "30s", "1m", "2m", "5m", "10m", "20m");

    final String vmta;
    final String policy;
    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter delivered;
    private final Counter deferred;
    private final Counter retries;
    private final AtomicReferenceArray<Counter> bounced = new AtomicReferenceArray<>(BounceCategory.values().length);
    private final Timer deliveredAfter;
    private final Timer bouncedAfter;
    private final Counter connectionAttempts;
    private final Counter[] connectionFailures = new Counter[ConnectFailure.values().length];
    private final Timer transactions;

    LineMeters(MeterRegistry registry, String vmta, String policy) {
        this.registry = registry;
        this.vmta = vmta;
        this.policy = policy;
        this.tags = Tags.of("vmta", vmta, "policy", policy);
        delivered = counter("caravan.delivered", "recipients delivered (2xx)");
        deferred = counter("caravan.deferred", "recipients deferred (4xx or no answer), to be retried");
        retries = counter("caravan.retry.attempts", "delivery attempts that were retries (attempt > 1)");
        deliveredAfter = queueTimer("delivered");
        bouncedAfter = queueTimer("bounced");
        connectionAttempts = counter("caravan.connection.attempts", "new SMTP connections tried");
        for (ConnectFailure why : ConnectFailure.values()) {
            connectionFailures[why.ordinal()] = Counter.builder("caravan.connection.failures")
                    .description("new SMTP connections that could not be opened, by reason")
                    .tags(tags).tag("reason", why.label()).register(registry);
        }
        transactions = Timer.builder("caravan.smtp.transaction")
                .description("one message's SMTP transaction over one connection, MAIL FROM to the last reply,"
                        + " pacing waits excluded")
                .tags(tags).serviceLevelObjectives(TRANSACTION_BUCKETS).register(registry);
    }

    boolean is(String vmta, String policy) {
        return this.vmta.equals(vmta) && this.policy.equals(policy);
    }

    /** One recipient's outcome of a delivery attempt. */
    void count(DeliveryOutcome o) {
        switch (o.type()) {
            case DELIVERED -> {
                delivered.increment();
                inQueue(deliveredAfter, o);
            }
            case DEFERRED -> deferred.increment();
            case BOUNCED -> {
                bounced(o.bounceCategory()).increment();
                inQueue(bouncedAfter, o);
            }
            case REJECTED -> {
                // counted by reason, not per line
            }
        }
    }

    /** A delivery attempt after the first (the retry of a deferral). */
    void retried() {
        retries.increment();
    }

    private static void inQueue(Timer timer, DeliveryOutcome o) {
        timer.record(Math.max(0, o.timestamp() - o.queuedAt()), TimeUnit.MILLISECONDS);
    }

    private Counter bounced(BounceCategory category) {
        BounceCategory c = category == null ? BounceCategory.OTHER : category;
        Counter counter = bounced.get(c.ordinal());
        if (counter == null) {
            // registering is idempotent: two threads racing here get the same counter
            counter = Counter.builder("caravan.bounced").description("recipients bounced, by bounce category")
                    .tags(tags).tag("category", c.label()).register(registry);
            bounced.set(c.ordinal(), counter);
        }
        return counter;
    }

    @Override
    public void connecting() {
        connectionAttempts.increment();
    }

    @Override
    public void connectFailed(ConnectFailure why) {
        connectionFailures[why.ordinal()].increment();
    }

    @Override
    public void transaction(long nanos) {
        transactions.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).tags(tags).register(registry);
    }

    private Timer queueTimer(String outcome) {
        return Timer.builder("caravan.time.in.queue")
                .description("first queued to the final outcome (delivered or bounced)")
                .tags(tags).tag("outcome", outcome).serviceLevelObjectives(QUEUE_BUCKETS).register(registry);
    }

    private static Duration[] durations(String... texts) {
        Duration[] out = new Duration[texts.length];
        for (int i = 0; i < texts.length; i++) {
            out[i] = org.caravan.config.Durations.parse(texts[i]);
        }
        return out;
    }
}
