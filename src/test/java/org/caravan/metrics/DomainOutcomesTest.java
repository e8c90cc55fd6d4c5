package org.caravan.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.caravan.outcome.BounceCategory;
import org.caravan.outcome.DeliveryOutcome;
import org.caravan.outcome.OutcomeType;
import org.caravan.smtp.SmtpReply;
import org.junit.jupiter.api.Test;

/** The counters behind the ranking: series for the places, "other" for the rest, removed when a place is lost. */
class DomainOutcomesTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicLong nanos = new AtomicLong();
    private final DomainOutcomes domains = new DomainOutcomes(registry, 1, nanos::get);

    @Test
    void theBusiestDomainHasItsSeriesAndTheRestCountAsOther() {
        domains.count(List.of(outcome(OutcomeType.DELIVERED, "gmail.com"), outcome(OutcomeType.DEFERRED, "gmail.com")));
        domains.count(List.of(outcome(OutcomeType.BOUNCED, "small.example")));
        domains.count(List.of(outcome(OutcomeType.REJECTED, "junk")));

        assertThat(count("gmail.com", "delivered")).isEqualTo(1);
        assertThat(count("gmail.com", "deferred")).isEqualTo(1);
        assertThat(count("gmail.com", "bounced")).isZero();
        assertThat(count("other", "bounced")).isEqualTo(1);
        assertThat(registry.find(DomainOutcomes.NAME).tag("domain", "small.example").counters()).isEmpty();
        assertThat(registry.find(DomainOutcomes.NAME).tag("domain", "junk").counters()).as("rejections").isEmpty();
    }

    @Test
    void aDomainThatLosesItsPlaceLosesItsSeries() {
        domains.count(List.of(outcome(OutcomeType.DELIVERED, "early.example")));
        for (int i = 0; i < 5; i++) {
            domains.count(List.of(outcome(OutcomeType.DELIVERED, "busy.example")));
        }
        assertThat(count("other", "delivered")).isEqualTo(5);

        nanos.addAndGet(DomainOutcomes.PERIOD_NANOS); // the next outcome ends the period
        domains.count(List.of(outcome(OutcomeType.DELIVERED, "busy.example")));

        assertThat(registry.find(DomainOutcomes.NAME).tag("domain", "early.example").counters()).isEmpty();
        assertThat(count("busy.example", "delivered")).isEqualTo(1);
        assertThat(count("other", "delivered")).as("other only grows").isEqualTo(5);
    }

    private double count(String domain, String outcome) {
        Counter c = registry.find(DomainOutcomes.NAME).tag("domain", domain).tag("outcome", outcome).counter();
        assertThat(c).as("series %s %s", domain, outcome).isNotNull();
        return c.count();
    }

    private static DeliveryOutcome outcome(OutcomeType type, String domain) {
        return new DeliveryOutcome(type, "rcpt@" + domain, domain, "default", "default", null, null, "<m@test>",
                "s@example.net", 1, new SmtpReply(250, "2.0.0", "ok"), "", type == OutcomeType.BOUNCED
                        ? BounceCategory.BAD_MAILBOX : null, 0, 1);
    }
}
