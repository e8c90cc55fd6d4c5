package org.caravan.outcome;

/**
 * A message sent although it breaks a rule its vmta is held to (bulk-compliance: warn): one
 * mail.events object of type "warning", beside the recipients' outcomes, so a sender's watcher
 * sees what to fix before the mailbox providers start refusing it.
 *
 * @param reason the rule broken, as the reject reason would name it (bulk-no-unsubscribe, ...)
 */
public record ComplianceWarning(String reason, String detail, String vmta, String jobId, String messageId,
        String mailFrom, long timestamp) {

    public static final String EVENT_TYPE = "warning";

    public String toJson() {
        return EventJson.object(g -> {
            g.writeStringField("type", EVENT_TYPE);
            g.writeStringField("reason", reason);
            g.writeStringField("detail", detail);
            g.writeStringField("vmta", vmta);
            g.writeStringField("jobId", jobId);
            g.writeStringField("messageId", messageId);
            g.writeStringField("mailFrom", mailFrom);
            g.writeStringField("timestamp", EventJson.time(timestamp));
        });
    }
}
