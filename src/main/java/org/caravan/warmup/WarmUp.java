package org.caravan.warmup;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.caravan.broker.QueuePacing;
import org.caravan.config.WarmUpPlan;
import org.caravan.delivery.DeliveryLine;
import org.caravan.delivery.DeliveryLines;
import org.caravan.outcome.BounceCategory;
import org.caravan.outcome.BounceClassifier;
import org.caravan.outcome.DeliveryOutcome;
import org.caravan.outcome.OutcomeListener;
import org.caravan.outcome.OutcomeType;

/**
 * The warm-up of every line the warm-up: block names: gives their queues capped turns and counts
 * their outcomes. A spam- or policy-related bounce or deferral marks the day as troubled.
 */
public final class WarmUp implements OutcomeListener, AutoCloseable {

    private final WarmUpPlan plan;
    private final Clock clock;
    private final Path dir;
    private final DeliveryLines lines;
    private final BounceClassifier classifier = new BounceClassifier();
    private final Map<String, WarmUpLine> warm = new ConcurrentHashMap<>();

    public WarmUp(WarmUpPlan plan, Clock clock, Path dir, DeliveryLines lines) {
        this.plan = plan;
        this.clock = clock;
        this.dir = dir;
        this.lines = lines;
    }

    /** The line's turns, capped when it is warmed up. */
    public QueuePacing.Turns turns(DeliveryLine line, QueuePacing.Turns turns) {
        WarmUpLine w = line(line.vmta(), line.policyName());
        return w == null ? turns : new WarmUpTurns(turns, w);
    }

    /** The vmta new mail of this line goes to: its own, or the warm one once its day's cap is taken. */
    public String vmtaFor(String vmta, String policy, int recipients) {
        String overflow = plan.overflowOf(vmta, policy);
        WarmUpLine w = overflow == null ? null : line(vmta, policy);
        return w == null || w.admit(recipients) ? vmta : overflow;
    }

    /** The warm-up of a line, or null when the line is not warmed up. */
    public WarmUpLine line(String vmta, String policy) {
        WarmUpPlan.Schedule schedule = plan.scheduleOf(vmta, policy);
        if (schedule == null) {
            return null;
        }
        return warm.computeIfAbsent(vmta + "." + policy, k -> register(new WarmUpLine(vmta, policy, schedule, clock,
                dir, () -> {
                    DeliveryLine l = lines.find(vmta, policy);
                    return l == null ? null : l.state();
                })));
    }

    public Iterable<WarmUpLine> all() {
        return warm.values();
    }

    @Override
    public void recorded(List<DeliveryOutcome> outcomes) {
        for (DeliveryOutcome o : outcomes) {
            if (o.type() == OutcomeType.REJECTED || o.vmta() == null || o.policy() == null) {
                continue;
            }
            WarmUpLine w = line(o.vmta(), o.policy());
            if (w != null) {
                w.sent(blocked(o));
            }
        }
    }

    private boolean blocked(DeliveryOutcome o) {
        BounceCategory c = o.bounceCategory();
        if (c == null && o.type() == OutcomeType.DEFERRED && o.reply() != null) {
            c = classifier.classify(o.reply());
        }
        return c == BounceCategory.SPAM_RELATED || c == BounceCategory.POLICY_RELATED;
    }

    private static WarmUpLine register(WarmUpLine line) {
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        try {
            ObjectName name = name(line);
            if (mbeans.isRegistered(name)) {
                mbeans.unregisterMBean(name); // a previous engine in the same JVM (tests) left it
            }
            mbeans.registerMBean(line, name);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register warm-up MBean of " + line.vmta() + "." + line.policy(), e);
        }
        return line;
    }

    private static ObjectName name(WarmUpLine line) throws JMException {
        return new ObjectName("org.caravan:type=WarmUp,vmta=" + line.vmta() + ",name=" + line.policy());
    }

    @Override
    public void close() {
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        for (WarmUpLine line : warm.values()) {
            try {
                ObjectName name = name(line);
                if (mbeans.isRegistered(name)) {
                    mbeans.unregisterMBean(name);
                }
            } catch (JMException e) {
                // gone already
            }
        }
    }
}
