package org.caravan.delivery;

import java.time.Instant;

import org.caravan.outcome.EventJson;

/**
 * One line (vmta x policy) changed its mode: into backoff, suspended, its source IP taken out of
 * its pool, or back to normal. Published on mail.events as type "mode" and counted in
 * caravan_mode_changes_total, so a watcher sees each reaction to a provider as it happens.
 *
 * @param trigger the reply rule or backoff pattern that fired, "operator", or why it ended
 * @param reply the reply that fired it; empty when none did (an operator, time, deliveries)
 * @param until when the mode ends unless triggered again (epoch millis), 0 for normal
 */
public record ModeChange(String vmta, String policy, Mode mode, String trigger, String reply, long until,
        long timestamp) {

    public static final String EVENT_TYPE = "mode";

    /** What a line may be doing besides sending at its normal limits. */
    public enum Mode {
        NORMAL, BACKOFF, SUSPENDED, SOURCE_IP_DISABLED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    public String toJson() {
        return EventJson.object(g -> {
            g.writeStringField("type", EVENT_TYPE);
            g.writeStringField("vmta", vmta);
            g.writeStringField("policy", policy);
            g.writeStringField("mode", mode.label());
            g.writeStringField("trigger", trigger);
            g.writeStringField("reply", reply);
            if (until > 0) {
                g.writeStringField("until", EventJson.time(until));
            }
            g.writeStringField("timestamp", EventJson.time(timestamp));
        });
    }

    @Override
    public String toString() {
        return vmta + "/" + policy + " " + mode.label() + " (" + trigger + (reply.isEmpty() ? "" : ": " + reply) + ")"
                + (until > 0 ? " until " + Instant.ofEpochMilli(until) : "");
    }
}
