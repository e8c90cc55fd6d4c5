package org.caravan.delivery;

/** What a reply means for one recipient on a given attempt ({@link ReplyPolicy} decides it). */
public enum Verdict {
    DELIVERED,
    /** 4xx or no answer, with attempts and time left: try again later. */
    DEFERRED,
    /** 5xx: the server refused for good. */
    BOUNCED,
    /** 4xx or no answer, but max-retries or bounce-after is used up. */
    EXPIRED;
}
