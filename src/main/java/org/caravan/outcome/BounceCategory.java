package org.caravan.outcome;

/** PowerMTA's bounce categories, so that existing bounce processing can read our accounting. */
public enum BounceCategory {
    BAD_MAILBOX("bad-mailbox"),
    BAD_DOMAIN("bad-domain"),
    INACTIVE_MAILBOX("inactive-mailbox"),
    QUOTA_ISSUES("quota-issues"),
    POLICY_RELATED("policy-related"),
    SPAM_RELATED("spam-related"),
    CONTENT_RELATED("content-related"),
    VIRUS_RELATED("virus-related"),
    MESSAGE_EXPIRED("message-expired"),
    NO_ANSWER_FROM_HOST("no-answer-from-host"),
    BAD_CONNECTION("bad-connection"),
    ROUTING_ERRORS("routing-errors"),
    PROTOCOL_ERRORS("protocol-errors"),
    INVALID_INPUT("invalid-input"),
    OTHER("other");

    private final String label;

    BounceCategory(String label) {
        this.label = label;
    }

    /** The category as written in events and accounting ("bad-mailbox"). */
    public String label() {
        return label;
    }

    /** True for categories that say the address itself is bad (a later suppression list feeds on these). */
    public boolean isHard() {
        return this == BAD_MAILBOX || this == BAD_DOMAIN || this == INACTIVE_MAILBOX;
    }
}
