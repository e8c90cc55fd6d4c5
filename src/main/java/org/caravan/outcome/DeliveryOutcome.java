package org.caravan.outcome;

import org.caravan.smtp.SmtpReply;

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
        long timestamp) {
}
