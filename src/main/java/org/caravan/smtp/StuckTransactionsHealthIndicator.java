package org.caravan.smtp;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.caravan.config.Durations;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * DOWN while an SMTP transaction runs past its transaction-timeout plus a margin. The watchdog
 * closes a transaction's socket at its deadline, which hands the consumer back within moments; a
 * consumer still inside one later is stuck on something no timeout covers, and its delivery line
 * is short of a consumer until someone looks (a thread dump shows where).
 */
@Component("smtpTransactions")
public class StuckTransactionsHealthIndicator implements HealthIndicator {

    /** Far above the watchdog's tick and a socket close, far below what an operator would call stuck. */
    static final Duration MARGIN = Duration.ofMinutes(1);

    @Override
    public Health health() {
        List<SmtpWatchdog.Overdue> overdue = SmtpWatchdog.overdue(MARGIN);
        if (overdue.isEmpty()) {
            return Health.up().build();
        }
        return Health.down()
                .withDetail("stuck", overdue.stream().map(o -> Map.of(
                        "line", o.line(),
                        "server", o.server(),
                        "running", Durations.format(o.age().withNanos(0)),
                        "transaction-timeout", Durations.format(o.limit()))).toList())
                .build();
    }
}
