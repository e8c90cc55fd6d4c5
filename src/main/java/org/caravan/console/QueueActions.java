package org.caravan.console;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.activemq.artemis.core.server.Queue;
import org.caravan.broker.QueueDepths;
import org.caravan.config.Durations;
import org.caravan.config.Rate;
import org.caravan.delivery.Delivery;
import org.caravan.delivery.DeliveryHeaders;
import org.caravan.delivery.DeliveryLine;
import org.caravan.delivery.DeliveryLines;
import org.caravan.delivery.PolicyState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an operator may do to one delivery line from the console or the CLI: pause and resume
 * its queue (the pause is persisted by the broker, so it outlives a restart), make its scheduled
 * retries due now, purge its mail by job, domain or age, enter or end backoff mode, and change its
 * limits. Queue actions need the embedded broker; backoff and limits work with any.
 */
public final class QueueActions {

    private static final Logger LOG = LoggerFactory.getLogger(QueueActions.class);

    /** A request the console refuses: 400 (bad or unconfirmed) or 404 (no such line). */
    static final class Refused extends RuntimeException {
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    private final DeliveryLines lines;
    private final QueueDepths depths;
    private final QueuePurge purge;
    private final Clock clock;

    QueueActions(DeliveryLines lines, QueueDepths depths, QueuePurge purge, Clock clock) {
        this.lines = lines;
        this.depths = depths;
        this.purge = purge;
        this.clock = clock;
    }

    /** The configured line, or a 404. */
    DeliveryLine line(String vmta, String policy) {
        DeliveryLine line = lines.find(vmta, policy);
        if (line != null) {
            return line;
        }
        throw new Refused(404, "no delivery line for vmta '" + vmta + "' and policy '" + policy + "'");
    }

    /** Persisted; waits for a purge in progress, which holds the queue paused for a moment and then lifts that pause. */
    void pause(String vmta, String policy) {
        Queue queue = queue(line(vmta, policy));
        synchronized (purge) {
            queue.pause(true);
        }
        LOG.info("{}: paused by the operator", Delivery.queueOf(vmta, policy));
    }

    void resume(String vmta, String policy) {
        Queue queue = queue(line(vmta, policy));
        synchronized (purge) {
            queue.resume();
        }
        LOG.info("{}: resumed by the operator", Delivery.queueOf(vmta, policy));
    }

    /** Makes every scheduled retry due now; returns how many were scheduled. */
    int retryNow(String vmta, String policy) throws Exception {
        Queue queue = queue(line(vmta, policy));
        int scheduled = queue.getScheduledCount();
        queue.deliverScheduledMessages();
        LOG.info("{}: {} scheduled retries made due by the operator", queue.getName(), scheduled);
        return scheduled;
    }

    /**
     * Purges the line's mail matching every criterion given (job id, recipient domain, queued
     * longer ago than olderThan); at least one, and confirm must be true.
     */
    QueuePurge.Result purge(String vmta, String policy, String job, String domain, String olderThan, boolean confirm)
            throws Exception {
        DeliveryLine line = line(vmta, policy);
        String selector = selector(job, domain, olderThan, clock.millis());
        if (!confirm) {
            throw new Refused(400, "purge removes mail for good: repeat with confirm=true (" + selector + ")");
        }
        QueuePurge.Result result = purge.purge(queue(line), selector);
        LOG.info("{}: purged by the operator ({}): {} messages, {} recipients recorded as bounced",
                Delivery.queueOf(vmta, policy), selector, result.messages(), result.recipients());
        return result;
    }

    /** The JMS selector of a purge; literals quoted, so a job id cannot widen it. */
    static String selector(String job, String domain, String olderThan, long now) {
        List<String> terms = new ArrayList<>();
        if (job != null && !job.isEmpty()) {
            terms.add(DeliveryHeaders.JOB_ID + " = " + literal(job));
        }
        if (domain != null && !domain.isEmpty()) {
            terms.add(DeliveryHeaders.DOMAIN + " = " + literal(domain.strip().toLowerCase(Locale.ROOT)));
        }
        if (olderThan != null && !olderThan.isEmpty()) {
            Duration age;
            try {
                age = Durations.parse(olderThan);
            } catch (IllegalArgumentException e) {
                throw new Refused(400, "olderThan: " + e.getMessage());
            }
            terms.add(DeliveryHeaders.QUEUED_AT + " < " + (now - age.toMillis()));
        }
        if (terms.isEmpty()) {
            throw new Refused(400, "purge needs job, domain or olderThan");
        }
        return String.join(" AND ", terms);
    }

    /** A selector string literal: quotes doubled, as SQL-92 (and JMS selectors) escape them. */
    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    void enterBackoff(String vmta, String policy) {
        line(vmta, policy).state().enterBackoff();
        LOG.info("{}: backoff mode entered by the operator", Delivery.queueOf(vmta, policy));
    }

    void endBackoff(String vmta, String policy) {
        line(vmta, policy).state().endBackoff();
        LOG.info("{}: back to normal mode by the operator", Delivery.queueOf(vmta, policy));
    }

    /** Sets the limits given (the others stay); all are checked before any is set. */
    void limits(String vmta, String policy, Map<String, Object> limits) {
        PolicyState state = line(vmta, policy).state();
        for (String key : limits.keySet()) {
            if (!List.of("maxMsgRate", "maxMsgBurst", "maxSmtpOut", "maxConnRate", "maxMsgPerConnection").contains(key)) {
                throw new Refused(400, "unknown limit '" + key + "'");
            }
        }
        String msgRate = rate(limits, "maxMsgRate");
        String connRate = rate(limits, "maxConnRate");
        Integer burst = positive(limits, "maxMsgBurst");
        Integer smtpOut = positive(limits, "maxSmtpOut");
        Integer perConnection = positive(limits, "maxMsgPerConnection");
        if (msgRate != null) {
            state.setMaxMsgRate(msgRate);
        }
        if (connRate != null) {
            state.setMaxConnRate(connRate);
        }
        if (burst != null) {
            state.setMaxMsgBurst(burst);
        }
        if (smtpOut != null) {
            state.setMaxSmtpOut(smtpOut);
        }
        if (perConnection != null) {
            state.setMaxMsgPerConnection(perConnection);
        }
        LOG.info("{}: limits set by the operator: {}", Delivery.queueOf(vmta, policy), limits);
    }

    private static String rate(Map<String, Object> limits, String key) {
        Object value = limits.get(key);
        if (value == null) {
            return null;
        }
        try {
            return Rate.parse(value.toString()).toString();
        } catch (IllegalArgumentException e) {
            throw new Refused(400, key + ": " + e.getMessage());
        }
    }

    private static Integer positive(Map<String, Object> limits, String key) {
        Object value = limits.get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof Number n && n.doubleValue() == n.intValue() && n.intValue() >= 1) {
            return n.intValue();
        }
        if (value instanceof String s && s.strip().matches("[1-9]\\d{0,8}")) {
            return Integer.valueOf(s.strip());
        }
        throw new Refused(400, key + ": a whole number of at least 1, not '" + value + "'");
    }

    private Queue queue(DeliveryLine line) {
        String name = Delivery.queueOf(line.vmta(), line.policyName());
        Queue queue = depths.queue(name);
        if (queue == null) {
            throw new Refused(400, depths.available() ? name + " does not exist yet (no mail was queued there)"
                    : "queue actions need the embedded broker; use the external broker's own console");
        }
        return queue;
    }
}
