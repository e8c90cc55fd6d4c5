package org.caravan.intake;

import java.util.List;

/**
 * A refused submission, or the refused recipients of one: goes to mail.invalid with the original
 * body and properties and a 'reason', and gives one 'rejected' outcome per recipient named.
 */
public record Rejection(RejectReason reason, String detail, List<String> recipients) {

    public Rejection {
        recipients = List.copyOf(recipients);
    }

    /** The 'reason' property: "malformed-address: bob@@example.com". */
    public String reasonText() {
        return reason.code() + ": " + detail;
    }
}
