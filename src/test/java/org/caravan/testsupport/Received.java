package org.caravan.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One message the {@link ScriptedSmtpServer} accepted (final DATA reply 2xx).
 *
 * @param sessionId   id of the connection it arrived on (1-based, in accept order)
 * @param mailFrom    envelope sender as given in MAIL FROM:&lt;...&gt; ("" for the null sender)
 * @param rcptTo      envelope recipients whose RCPT TO was answered 2xx, in order
 * @param data        DATA bytes as received, dot-unstuffed, without the terminating ".CRLF";
 *                    the array is shared, do not modify it
 * @param nanoTime    System.nanoTime() when accepted
 * @param epochMillis System.currentTimeMillis() when accepted
 */
public record Received(int sessionId, String mailFrom, List<String> rcptTo, byte[] data,
                       long nanoTime, long epochMillis) {

    /** The data decoded as UTF-8, for readable assertions. */
    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }

    /** The Message-ID header value (with its angle brackets), or null if absent. */
    public String messageId() {
        return header("Message-ID");
    }

    /** The first value of the named header (unfolded, trimmed), or null if absent. */
    public String header(String name) {
        return header(data, name);
    }

    /** Looks a header up in raw message bytes; only the header block is decoded. */
    static String header(byte[] data, String name) {
        String head = new String(data, 0, headerEnd(data), StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r?\n");
        String prefix = name + ":";
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].regionMatches(true, 0, prefix, 0, prefix.length())) {
                continue;
            }
            StringBuilder value = new StringBuilder(lines[i].substring(prefix.length()));
            while (i + 1 < lines.length && !lines[i + 1].isEmpty()
                    && (lines[i + 1].charAt(0) == ' ' || lines[i + 1].charAt(0) == '\t')) {
                value.append(lines[++i]);
            }
            return value.toString().trim();
        }
        return null;
    }

    /** Index of the blank line that ends the header block, or the data length if there is none. */
    private static int headerEnd(byte[] data) {
        for (int i = 0; i + 1 < data.length; i++) {
            if (data[i] == '\n' && (data[i + 1] == '\n'
                    || (data[i + 1] == '\r' && i + 2 < data.length && data[i + 2] == '\n'))) {
                return i;
            }
        }
        return data.length;
    }
}
