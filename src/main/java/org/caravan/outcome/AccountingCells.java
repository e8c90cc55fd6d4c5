package org.caravan.outcome;

/**
 * Makes a value safe as one accounting cell: one record stays one line (reply texts and submitter
 * fields may hold CR/LF), and a spreadsheet opening the file never runs a cell as a formula.
 */
final class AccountingCells {

    private AccountingCells() {
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
        // OWASP's CSV injection rule: = + - @ (TAB and CR are already spaces) lead a formula
        char first = value.charAt(0);
        return first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r'
                ? "'" + text : text;
    }

    private static boolean isLineBreakOrControl(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }
}
