package org.caravan.delivery;

import org.caravan.config.RetrySchedule;
import org.caravan.smtp.SmtpReply;

/** What a reply means for one recipient on a given attempt, per the policy's retry schedule. */
public enum Verdict {
    DELIVERED,
    /** 4xx or no answer, with attempts and time left: try again later. */
    DEFERRED,
    /** 5xx: the server refused for good. */
    BOUNCED,
    /** 4xx or no answer, but max-retries or bounce-after is used up. */
    EXPIRED;

    public static Verdict of(SmtpReply reply, int attempt, RetrySchedule schedule, long queuedAt, long now) {
        if (reply.isPositive()) {
            return DELIVERED;
        }
        if (reply.isPermanent()) {
            return BOUNCED;
        }
        if (schedule.exhausted(attempt)) {
            return EXPIRED;
        }
        long nextTry = now + schedule.delayBefore(attempt + 1).toMillis();
        // bouncing now beats holding a message past bounce-after only to bounce it then
        return schedule.expired(queuedAt, nextTry) ? EXPIRED : DEFERRED;
    }
}
