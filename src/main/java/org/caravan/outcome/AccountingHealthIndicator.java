package org.caravan.outcome;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/** DOWN while accounting cannot be written: delivery and intake then wait instead of sending unrecorded mail. */
public class AccountingHealthIndicator implements HealthIndicator {

    private final AccountingLog accounting;

    public AccountingHealthIndicator(AccountingLog accounting) {
        this.accounting = accounting;
    }

    @Override
    public Health health() {
        String failure = accounting.failure();
        if (failure == null) {
            return Health.up().withDetail("file", String.valueOf(accounting.currentFile())).build();
        }
        return Health.down()
                .withDetail("reason", failure)
                .withDetail("waiting", accounting.unsynced() + " outcomes not yet on disk; their mail is not acked")
                .build();
    }
}
