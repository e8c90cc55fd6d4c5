package org.caravan.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.caravan.intake.RejectReason;
import org.caravan.outcome.DeliveryOutcome;
import org.caravan.outcome.OutcomeListener;
import org.caravan.outcome.OutcomeType;

/**
 * Counts every recorded outcome (after accounting has it): per line delivered, deferred, bounced
 * by category, retries and time in queue; intake rejections by reason; the busiest domains. The
 * meters of each line are built once; an outcome costs two map lookups and a few increments.
 */
public final class MailMetrics implements OutcomeListener {

    static final String OTHER_REASON = "other";

    private final MeterRegistry registry;
    /** vmta -> policy -> meters: looked up with the outcome's own strings, nothing concatenated. */
    private final Map<String, Map<String, LineMeters>> lines = new ConcurrentHashMap<>();
    /** Read-only after construction: every reason intake gives, and "other". */
    private final Map<String, Counter> rejected = new HashMap<>();
    private final DomainOutcomes domains;

    public MailMetrics(MeterRegistry registry, int topDomains) {
        this.registry = registry;
        for (RejectReason r : RejectReason.values()) {
            rejected.put(r.code(), rejectedCounter(r.code()));
        }
        rejected.put(OTHER_REASON, rejectedCounter(OTHER_REASON));
        this.domains = new DomainOutcomes(registry, topDomains, System::nanoTime);
    }

    /** The meters of a line, built on first use (at start for every configured line). */
    LineMeters line(String vmta, String policy) {
        return lines.computeIfAbsent(vmta, v -> new ConcurrentHashMap<>())
                .computeIfAbsent(policy, p -> new LineMeters(registry, vmta, policy));
    }

    /** A batch is one delivery attempt of one message to one domain, or one intake rejection. */
    @Override
    public void recorded(List<DeliveryOutcome> outcomes) {
        LineMeters line = null;
        boolean retry = false;
        boolean delivery = false;
        for (DeliveryOutcome o : outcomes) {
            if (o.type() == OutcomeType.REJECTED) {
                rejected.get(reason(o)).increment();
                continue;
            }
            if (line == null || !line.is(o.vmta(), o.policy())) {
                line = line(o.vmta(), o.policy());
            }
            line.count(o);
            delivery = true;
            retry |= o.attempt() > 1;
        }
        if (delivery && retry) {
            line.retried();
        }
        if (delivery) {
            domains.count(outcomes);
        }
    }

    /** The reason code leading the rejection's text ("malformed-address: bob@@x"); "other" when unknown. */
    private String reason(DeliveryOutcome o) {
        String text = o.reply() == null ? null : o.reply().text();
        if (text == null) {
            return OTHER_REASON;
        }
        int colon = text.indexOf(':');
        String code = colon < 0 ? text : text.substring(0, colon);
        return rejected.containsKey(code) ? code : OTHER_REASON;
    }

    private Counter rejectedCounter(String reason) {
        return Counter.builder("caravan.rejected").description("submissions' recipients rejected at intake, by reason")
                .tag("reason", reason).register(registry);
    }
}
