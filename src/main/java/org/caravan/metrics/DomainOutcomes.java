package org.caravan.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.caravan.outcome.DeliveryOutcome;

/**
 * caravan_domain_outcomes_total{domain, outcome}: recipient outcomes (delivered, deferred,
 * bounced; not intake rejections, whose domains may be anything) of the busiest domains, the
 * rest under domain="other" ({@link DomainRanking}). One lock per batch of outcomes, since the
 * ranking and the counters it names change together.
 */
final class DomainOutcomes {

    static final String NAME = "caravan.domain.outcomes";
    static final long PERIOD_NANOS = 60_000_000_000L;

    private final MeterRegistry registry;
    private final DomainRanking ranking;
    private final LongSupplier nanos;
    private final Map<String, Counter[]> counters = new HashMap<>();
    private long periodStart;

    DomainOutcomes(MeterRegistry registry, int topDomains, LongSupplier nanos) {
        this.registry = registry;
        this.ranking = new DomainRanking(topDomains, Math.max(1000, 50 * topDomains));
        this.nanos = nanos;
        this.periodStart = nanos.getAsLong();
        counters(DomainRanking.OTHER);
    }

    synchronized void count(List<DeliveryOutcome> outcomes) {
        long now = nanos.getAsLong();
        if (now - periodStart >= PERIOD_NANOS) {
            periodStart = now;
            for (String lost : ranking.endPeriod()) {
                Counter[] gone = counters.remove(lost);
                if (gone != null) {
                    for (Counter c : gone) {
                        registry.remove(c);
                    }
                }
            }
        }
        for (DeliveryOutcome o : outcomes) {
            int kind = o.type().tallyIndex();
            if (kind >= 0 && o.domain() != null) {
                counters(ranking.count(o.domain()))[kind].increment();
            }
        }
    }


    private Counter[] counters(String domain) {
        Counter[] c = counters.get(domain);
        if (c == null) {
            c = new Counter[] {counter(domain, "delivered"), counter(domain, "deferred"), counter(domain, "bounced")};
            counters.put(domain, c);
        }
        return c;
    }

    private Counter counter(String domain, String outcome) {
        return Counter.builder(NAME).description("recipient outcomes of the busiest recipient domains, the rest as other")
                .tag("domain", domain).tag("outcome", outcome).register(registry);
    }
}
