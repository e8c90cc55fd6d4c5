package org.caravan.intake;

/** Why intake refused a submission, or one recipient of it; the code leads the 'reason' property. */
public enum RejectReason {
    NO_RECIPIENTS("no-recipients"),
    MALFORMED_ADDRESS("malformed-address"),
    MALFORMED_SENDER("malformed-sender"),
    NO_SENDER("no-sender"),
    CRLF_IN_PROPERTY("crlf-in-property"),
    EMPTY_BODY("empty-body"),
    UNPARSEABLE("unparseable"),
    OVERSIZE("oversize"),
    UNKNOWN_VMTA("unknown-vmta"),
    UNSUPPORTED_BODY("unsupported-body"),
    LINE_TOO_LONG("line-too-long"),
    TOO_MANY_RECIPIENTS("too-many-recipients"),
    FANOUT_TOO_LARGE("fanout-too-large"),
    BULK_NO_UNSUBSCRIBE("bulk-no-unsubscribe"),
    BULK_UNALIGNED_DKIM("bulk-unaligned-dkim"),
    /** The recipient is on the suppression list (for every sender or the sender's domain). */
    SUPPRESSED("suppressed"),
    /** The priority property is not a whole number 0-9. */
    INVALID_PRIORITY("invalid-priority");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
