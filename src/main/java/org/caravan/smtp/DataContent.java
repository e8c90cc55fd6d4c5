package org.caravan.smtp;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A message as DATA content (RFC 5321 4.5.2): every line end CRLF (a bare CR or LF becomes one),
 * a dot that starts a line doubled, and the content ending at a line start, so the terminating
 * dot can follow. The same output as Angus Mail's SMTPOutputStream over its CRLFOutputStream, but
 * written line by line: those streams look at every byte twice and store it in a field each time,
 * which took half of a delivery thread's CPU for a 20 KB message. Here the scan only compares,
 * and what needs no change goes out as one write of the whole range.
 */
final class DataContent {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] DOT = {'.'};

    private DataContent() {
    }

    /** Writes raw to out as DATA content, without the terminating dot. */
    static void write(byte[] raw, OutputStream out) throws IOException {
        int n = raw.length;
        int from = 0; // raw[from, i) is not yet written and needs no change
        int i = 0;    // always at a line start
        while (i < n) {
            if (raw[i] == '.') {
                out.write(raw, from, i - from);
                out.write(DOT);
                from = i; // the line's own dot goes out with the rest of it
            }
            int end = i;
            while (end < n && raw[end] != '\r' && raw[end] != '\n') {
                end++;
            }
            if (end == n) {
                out.write(raw, from, n - from);
                out.write(CRLF); // the last line had no line end
                return;
            }
            if (raw[end] == '\r' && end + 1 < n && raw[end + 1] == '\n') {
                i = end + 2; // CRLF already
                continue;
            }
            out.write(raw, from, end - from); // a bare CR or LF
            out.write(CRLF);
            from = end + 1;
            i = end + 1;
        }
        out.write(raw, from, n - from);
    }
}
