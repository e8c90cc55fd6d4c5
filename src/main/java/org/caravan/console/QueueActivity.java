package org.caravan.console;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.caravan.outcome.DeliveryOutcome;
import org.caravan.outcome.OutcomeListener;

/**
 * The queue console's memory of outcomes, per delivery line (vmta, policy) and over all lines:
 * told of every batch after accounting has it, on the consumer's thread, so each outcome costs
 * only a lock of its own line. Intake rejections belong to no line and are not counted here.
 */
public final class QueueActivity implements OutcomeListener {

    private final Clock clock;
    private final Map<String, LineActivity> lines = new ConcurrentHashMap<>();
    private final LineActivity all = new LineActivity();

    public QueueActivity(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void recorded(List<DeliveryOutcome> outcomes) {
        long now = clock.millis();
        for (DeliveryOutcome o : outcomes) {
            if (o.vmta() == null || o.vmta().isEmpty() || o.policy() == null || o.policy().isEmpty()) {
                continue;
            }
            line(o.vmta(), o.policy()).add(o, now);
            all.add(o, now);
        }
    }

    /** The line's activity; an empty one for a line that has had no outcome yet. */
    LineActivity line(String vmta, String policy) {
        return lines.computeIfAbsent(vmta + "\n" + policy, k -> new LineActivity());
    }

    /** The busiest recipient domains over all lines. */
    List<LineActivity.DomainCounts> topDomains(int limit) {
        return all.topDomains(limit, clock.millis());
    }

    long now() {
        return clock.millis();
    }
}
