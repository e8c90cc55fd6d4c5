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

    /**
     * The column a delivery line's or a domain's tally counts this in: delivered 0, deferred 1,
     * bounced 2; -1 for a rejection, which happens at intake, before any line or domain.
     */
    public int tallyIndex() {
        return switch (this) {
            case DELIVERED -> 0;
            case DEFERRED -> 1;
            case BOUNCED -> 2;
            case REJECTED -> -1;
        };
    }

    /** The value of the event's "type" field (delivered, deferred, bounced, rejected). */
    public String eventType() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
