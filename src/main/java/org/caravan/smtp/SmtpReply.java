package org.caravan.smtp;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SMTP reply as the receiving server gave it: the three-digit code, the RFC 3463 enhanced
 * status code when present, and the text. Code 0 stands for "no reply" (connection failure).
 */
public record SmtpReply(int code, String enhancedCode, String text) {

    private static final Pattern ENHANCED = Pattern.compile("^([245]\\.\\d{1,3}\\.\\d{1,3})\\b");

    /** A reply for a connection that failed before the server answered (refused, dropped, timed out). */
    public static SmtpReply connectionFailure(String why) {
        return new SmtpReply(0, "4.4.1", why == null ? "connection failed" : why);
    }

    /**
     * Parses a server response line as Angus reports it ("451 4.7.1 Try later"); the code given
     * wins over the one in the text, which may be missing or multi-line.
     */
    public static SmtpReply parse(int code, String response) {
        String text = response == null ? "" : response.strip();
        if (text.length() >= 3 && text.substring(0, 3).chars().allMatch(Character::isDigit)) {
            text = text.substring(Math.min(4, text.length()));
        }
        String enhanced = "";
        Matcher m = ENHANCED.matcher(text);
        if (m.find()) {
            enhanced = m.group(1);
            text = text.substring(m.end()).strip();
        }
        return new SmtpReply(code, enhanced, text);
    }

    public boolean isPositive() {
        return code >= 200 && code < 300;
    }

    public boolean isTransient() {
        return code == 0 || (code >= 400 && code < 500);
    }

    public boolean isPermanent() {
        return code >= 500 && code < 600;
    }

    /** The reply as one line, for logs, accounting and backoff pattern matching ("421 4.7.0 text"). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(code);
        if (!enhancedCode.isEmpty()) {
            sb.append(' ').append(enhancedCode);
        }
        if (!text.isEmpty()) {
            sb.append(' ').append(text);
        }
        return sb.toString();
    }
}
