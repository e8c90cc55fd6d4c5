package org.caravan.console;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.activemq.artemis.core.server.MessageReference;
import org.apache.activemq.artemis.core.server.Queue;
import org.caravan.broker.QueueDepth;
import org.caravan.broker.QueueDepths;
import org.caravan.delivery.Delivery;
import org.caravan.delivery.DeliveryLine;
import org.caravan.delivery.PolicyState;

/** The console's rows: one per delivery line, its queue's depth, its mode, limits and recent activity. */
final class QueueRows {

    static final int TOP = 10;

    private final QueueDepths depths;
    private final QueueActivity activity;

    QueueRows(QueueDepths depths, QueueActivity activity) {
        this.depths = depths;
        this.activity = activity;
    }

    /** The overview row (GET /api/queues). */
    Map<String, Object> row(DeliveryLine line) {
        String name = Delivery.queueOf(line.vmta(), line.policyName());
        PolicyState state = line.state();
        QueueDepth depth = depths.of(name).orElse(null);
        boolean paused = depth != null && depth.paused();
        LineActivity lineActivity = activity.line(line.vmta(), line.policyName());
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("vmta", line.vmta());
        row.put("policy", line.policyName());
        row.put("queue", name);
        row.put("mode", paused ? "paused" : state.isSuspended() ? "suspended" : state.isInBackoff() ? "backoff" : "normal");
        row.put("suspendedUntil", instant(state.suspendedUntil()));
        row.put("suspendReason", state.isSuspended() ? state.suspendReason() : null);
        row.put("backoffSince", instant(state.backoffSince()));
        row.put("backoffUntil", instant(state.backoffUntil()));
        row.put("backoffReason", state.isInBackoff() ? state.getBackoffReason() : null);
        // null with an external broker: the depths are not known here, which is not the same as 0
        row.put("ready", depth == null ? null : depth.ready());
        row.put("scheduled", depth == null ? null : depth.scheduled());
        row.put("delivering", depth == null ? null : depth.delivering());
        row.put("oldestAgeSeconds", depth == null ? null : depth.oldestAgeMillis() / 1000);
        row.put("paused", paused);
        row.put("openConnections", state.getOpenConnections());
        row.put("nextRetry", nextRetry(name));
        row.put("lastError", lineActivity.lastError());
        row.put("limits", limits(state));
        row.put("perMinute", lineActivity.perMinute(activity.now()));
        return row;
    }

    /** The drill-down (GET /api/queues/{vmta}/{policy}): the row plus its tops and latest outcomes. */
    Map<String, Object> detail(DeliveryLine line) {
        Map<String, Object> row = row(line);
        LineActivity lineActivity = activity.line(line.vmta(), line.policyName());
        long now = activity.now();
        row.put("topDomains", lineActivity.topDomains(TOP, now));
        row.put("topReplies", lineActivity.topReplies(TOP, now));
        row.put("recent", lineActivity.recent());
        return row;
    }

    static Map<String, Object> limits(PolicyState state) {
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("maxMsgRate", state.getMaxMsgRate());
        limits.put("maxMsgBurst", state.getMaxMsgBurst());
        limits.put("maxSmtpOut", state.getMaxSmtpOut());
        limits.put("maxConnRate", state.getMaxConnRate());
        limits.put("maxMsgPerConnection", state.getMaxMsgPerConnection());
        return limits;
    }

    /** When the first scheduled retry comes due; null when none is scheduled (or the broker is external). */
    private String nextRetry(String queueName) {
        Queue queue = depths.queue(queueName);
        MessageReference first = queue == null ? null : queue.peekFirstScheduledMessage();
        return first == null || first.getScheduledDeliveryTime() <= 0 ? null
                : Instant.ofEpochMilli(first.getScheduledDeliveryTime()).toString();
    }

    private static String instant(long millis) {
        return millis == 0 ? null : Instant.ofEpochMilli(millis).toString();
    }
}
