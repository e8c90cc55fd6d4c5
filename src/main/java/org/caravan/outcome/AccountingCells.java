package org.caravan.outcome;

import org.caravan.smtp.SmtpReply;

/**
 * The cells of one accounting record, each made safe: one record stays one line (reply texts and
 * submitter fields may hold CR/LF), and a spreadsheet opening the file never runs a cell as a formula.
 */
final class AccountingCells {

    /** Millisecond precision: the benchmark computes latency from timeLogged - timeQueued. */
    private static final TimeText TIME = new TimeText("uuuu-MM-dd HH:mm:ss", "+0000");

    private AccountingCells() {
    }

    /** The record's cells in {@link AccountingLog#HEADER} order, each made safe. */
    static Object[] of(DeliveryOutcome o) {
        SmtpReply reply = o.reply();
        BounceCategory category = o.bounceCategory();
        return new Object[] {
                o.type().accountingType(),
                TIME.format(o.timestamp()),
                TIME.format(o.queuedAt()),
                cell(o.mailFrom()),
                cell(o.recipient()),
                dsnAction(o.type()),
                cell(dsnStatus(reply)),
                cell("smtp;" + reply),
                cell(o.mx()),
                category == null ? "" : category.label(),
                cell(o.vmta()),
                cell(o.jobId()),
                cell(o.envId()),
                cell(o.policy()),
                cell(o.domain()),
                cell(o.messageId()),
                o.attempt(),
                o.tls() == null ? "" : cell(o.tls().protocol()),
                o.tls() == null ? "" : cell(o.tls().cipher()),
                o.tls() == null ? "" : String.valueOf(o.tls().verified())};
    }

    private static String dsnAction(OutcomeType type) {
        return switch (type) {
            case DELIVERED -> "relayed";
            case DEFERRED -> "delayed";
            case BOUNCED, REJECTED -> "failed";
        };
    }

    /** The enhanced code, or one derived from the reply class when the server gave none. */
    private static String dsnStatus(SmtpReply reply) {
        if (reply.enhancedCode() != null && !reply.enhancedCode().isEmpty()) {
            return reply.enhancedCode();
        }
        if (reply.isPositive()) {
            return "2.0.0";
        }
        return reply.isPermanent() ? "5.0.0" : "4.0.0";
    }

    /** Controls (CR, LF, TAB, NUL, DEL, C1, Unicode line breaks) become spaces; a formula lead gets an apostrophe. */
    static String cell(String value) {
        if (value == null || value.isEmpty()) {
            return value;
        }
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (isLineBreakOrControl(c)) {
                if (out == null) {
                    out = new StringBuilder(value);
                }
                out.setCharAt(i, ' ');
            }
        }
        String text = out == null ? value : out.toString();
        // a cell led by = + - @ (or TAB/CR, already spaces) is a formula to a spreadsheet
        char first = value.charAt(0);
        return first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r'
                ? "'" + text : text;
    }

    private static boolean isLineBreakOrControl(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }
}
