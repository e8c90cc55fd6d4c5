package org.caravan.outcome;

/** What became of one recipient; the accounting letter is PowerMTA's record type. */
public enum OutcomeType {
    DELIVERED("d"),
    DEFERRED("t"),
    BOUNCED("b"),
    REJECTED("r");

    private final String accountingType;

    OutcomeType(String accountingType) {
        this.accountingType = accountingType;
    }

    /** The record type in the accounting file (d, t, b, r). */
    public String accountingType() {
        return accountingType;
    }

    /** The value of the event's "type" field (delivered, deferred, bounced, rejected). */
    public String eventType() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
