package org.caravan.delivery;

import java.util.List;

/**
 * One message to the recipients of one domain, as it waits on mail.deliver.<vmta>.<policy>:
 * the bytes to send and the envelope, plus what outcomes need (ids, when queued, which attempt).
 *
 * @param attempt  the attempt this delivery will be (1 = first try)
 * @param priority its JMS priority on the delivery queue, 0-9 (the submission's): higher goes first
 */
public record Delivery(
        byte[] body,
        String messageId,
        String mailFrom,
        List<String> recipients,
        String domain,
        String policy,
        String vmta,
        String jobId,
        String envId,
        long queuedAt,
        int attempt,
        int priority) {

    /** JMS' default priority, a submission's when it sets none. */
    public static final int NORMAL_PRIORITY = 4;

    /** A delivery at JMS' default priority. */
    public Delivery(byte[] body, String messageId, String mailFrom, List<String> recipients, String domain,
            String policy, String vmta, String jobId, String envId, long queuedAt, int attempt) {
        this(body, messageId, mailFrom, recipients, domain, policy, vmta, jobId, envId, queuedAt, attempt,
                NORMAL_PRIORITY);
    }

    public Delivery {
        recipients = List.copyOf(recipients);
    }

    /** The durable queue of this delivery's (vmta, policy) pair. */
    public String queue() {
        return queueOf(vmta, policy);
    }

    public static String queueOf(String vmta, String policy) {
        return "mail.deliver." + vmta + "." + policy;
    }

    /** The same message for the recipients that were deferred, as the next attempt. */
    public Delivery retryFor(List<String> deferred) {
        return new Delivery(body, messageId, mailFrom, deferred, domain, policy, vmta, jobId, envId, queuedAt,
                attempt + 1, priority);
    }
}
