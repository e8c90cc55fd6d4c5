package org.caravan.outcome;

import org.caravan.smtp.SmtpReply;
import org.caravan.smtp.TlsDetails;

/**
 * What became of one recipient of one delivery attempt; the single source of both the
 * mail.events JSON and the accounting record.
 *
 * @param attempt        1 for the first try; 0 for a rejection at intake
 * @param reply          the server's reply, or a synthetic one (connection failure, expiry, rejection)
 * @param mx             the host that answered, empty when none did
 * @param bounceCategory null unless type is BOUNCED or REJECTED
 * @param queuedAt       epoch millis when the message was submitted
 * @param timestamp      epoch millis of this outcome
 * @param tls            what protected the session that answered; null when plain or none answered
 */
public record DeliveryOutcome(
        OutcomeType type,
        String recipient,
        String domain,
        String policy,
        String vmta,
        String jobId,
        String envId,
        String messageId,
        String mailFrom,
        int attempt,
        SmtpReply reply,
        String mx,
        BounceCategory bounceCategory,
        long queuedAt,
        long timestamp,
        TlsDetails tls) {

    /** An outcome without TLS details (no session, or a plain one). */
    public DeliveryOutcome(OutcomeType type, String recipient, String domain, String policy, String vmta,
            String jobId, String envId, String messageId, String mailFrom, int attempt, SmtpReply reply, String mx,
            BounceCategory bounceCategory, long queuedAt, long timestamp) {
        this(type, recipient, domain, policy, vmta, jobId, envId, messageId, mailFrom, attempt, reply, mx,
                bounceCategory, queuedAt, timestamp, null);
    }
}
