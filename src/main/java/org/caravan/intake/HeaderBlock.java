package org.caravan.intake;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The header block of a raw RFC 5322 message, found by scanning bytes: no MIME parse, so the body
 * is never touched and the message leaves exactly as it came (a MimeMessage parse cost a third of
 * the CPU in the prototype). Accepts CRLF and bare LF line ends.
 */
final class HeaderBlock {

    /** Headers larger than this are an attack or a broken client, not mail. */
    static final int MAX_HEADER_BYTES = 1 << 20;
    /** RFC 5322 2.1.1: a line is at most 998 characters, excluding the CRLF. */
    static final int MAX_LINE_OCTETS = 998;

    record Field(String name, String value, int start, int end) {
    }

    private final byte[] raw;
    private final List<Field> fields;

    private HeaderBlock(byte[] raw, List<Field> fields) {
        this.raw = raw;
        this.fields = fields;
    }

    /** Scans the header fields; throws with a reason a sender can act on when there are none or they are malformed. */
    static HeaderBlock scan(byte[] raw) throws MalformedMessageException {
        List<Field> fields = new ArrayList<>();
        int i = 0;
        while (i < raw.length) {
            int lineEnd = lineEnd(raw, i);
            if (lineEnd == i || (raw[i] == '\r' && lineEnd == i + 1)) {
                break; // blank line: the body starts after it
            }
            if (i > MAX_HEADER_BYTES) {
                throw new MalformedMessageException("header block larger than " + MAX_HEADER_BYTES + " bytes");
            }
            int end = fieldEnd(raw, lineEnd);
            if (end > MAX_HEADER_BYTES) {
                throw new MalformedMessageException("header block larger than " + MAX_HEADER_BYTES + " bytes");
            }
            int colon = nameEnd(raw, i, lineEnd);
            if (colon < 0) {
                throw new MalformedMessageException(fields.isEmpty()
                        ? "unparseable body: does not start with a header field"
                        : "malformed header line at byte " + i);
            }
            String name = new String(raw, i, colon - i, StandardCharsets.US_ASCII).strip();
            fields.add(new Field(name, unfold(raw, colon + 1, end), i, end));
            i = end;
        }
        if (fields.isEmpty()) {
            throw new MalformedMessageException("unparseable body: no header fields");
        }
        return new HeaderBlock(raw, fields);
    }

    /** Scans bytes already known to scan (they passed scan() before a header was removed). */
    static HeaderBlock scanUnchecked(byte[] raw) {
        try {
            return scan(raw);
        } catch (MalformedMessageException e) {
            throw new IllegalStateException("header block changed under us", e);
        }
    }

    /** The first field of that name (case-insensitive), or null. */
    String first(String name) {
        for (Field f : fields) {
            if (f.name.equalsIgnoreCase(name)) {
                return f.value;
            }
        }
        return null;
    }

    List<String> all(String name) {
        List<String> out = new ArrayList<>();
        for (Field f : fields) {
            if (f.name.equalsIgnoreCase(name)) {
                out.add(f.value);
            }
        }
        return out;
    }

    boolean has(String name) {
        return first(name) != null;
    }

    /** The message without the named fields (folded lines included); the same array when none is present. */
    byte[] without(String... names) {
        List<Field> dropped = new ArrayList<>();
        for (Field f : fields) {
            for (String name : names) {
                if (f.name.equalsIgnoreCase(name)) {
                    dropped.add(f);
                    break;
                }
            }
        }
        if (dropped.isEmpty()) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        int from = 0;
        for (Field f : dropped) {
            out.write(raw, from, f.start - from);
            from = f.end;
        }
        out.write(raw, from, raw.length - from);
        return out.toByteArray();
    }

    /**
     * A message's first illegal byte or, when it has none, its first line longer than RFC 5322
     * 2.1.1 allows; {@code illegalAt} is -1 for a long line.
     */
    record TextFault(int illegalAt, long line, int length) {
    }

    /**
     * Both whole-message checks in one pass over the bytes (each was a pass of its own): the first
     * NUL or bare CR wins, else the first line over 998 octets before its CRLF; null when clean.
     * SMTP would rewrite such bytes, a bare CR in a header smuggles a new header line (a "Bcc:"
     * past Bcc stripping) once the SMTP client turns it into CRLF, and servers may truncate or
     * refuse long lines, so the message would not arrive as sent.
     */
    static TextFault firstFault(byte[] raw) {
        long line = 1;
        int start = 0;
        long longLine = 0;
        int longLength = 0;
        for (int i = 0; i < raw.length; i++) {
            byte b = raw[i];
            if (b > '\r') {
                continue; // nearly every byte: one comparison
            }
            if (b == '\n') {
                int length = i - start - (i > start && raw[i - 1] == '\r' ? 1 : 0);
                if (longLine == 0 && length > MAX_LINE_OCTETS) {
                    longLine = line;
                    longLength = length;
                }
                line++;
                start = i + 1;
            } else if (b == 0 || (b == '\r' && (i + 1 == raw.length || raw[i + 1] != '\n'))) {
                return new TextFault(i, 0, 0);
            }
        }
        if (longLine == 0 && raw.length - start > MAX_LINE_OCTETS) {
            longLine = line;
            longLength = raw.length - start;
        }
        return longLine == 0 ? null : new TextFault(-1, longLine, longLength);
    }

    /**
     * Where the body starts (just past the blank line ending the header block) if that blank line
     * lies in raw[from, to), else -1; from must be at or before a line start.
     */
    static int headerEnd(byte[] raw, int from, int to) {
        for (int i = from; i < to; i++) {
            if (raw[i] != '\n') {
                continue;
            }
            if (i + 1 < to && raw[i + 1] == '\n') {
                return i + 2;
            }
            if (i + 2 < to && raw[i + 1] == '\r' && raw[i + 2] == '\n') {
                return i + 3;
            }
        }
        return -1;
    }

    private static int lineEnd(byte[] raw, int from) {
        int i = from;
        while (i < raw.length && raw[i] != '\n') {
            i++;
        }
        return i;
    }

    /** Where the field that ends its first line at lineEnd really ends, after folded continuation lines. */
    private static int fieldEnd(byte[] raw, int lineEnd) {
        int next = Math.min(raw.length, lineEnd + 1);
        while (next < raw.length && (raw[next] == ' ' || raw[next] == '\t')) {
            next = Math.min(raw.length, lineEnd(raw, next) + 1);
        }
        return next;
    }

    /** Index of the colon ending a valid field name (printable ASCII, no space), or -1. */
    private static int nameEnd(byte[] raw, int from, int lineEnd) {
        boolean trailingSpace = false;
        for (int i = from; i < lineEnd; i++) {
            byte b = raw[i];
            if (b == ':') {
                return i > from ? i : -1;
            }
            if (b == ' ' || b == '\t') {
                // RFC 5322 4.5.3: the obsolete "Name : value" form must be accepted
                trailingSpace = i > from;
                if (!trailingSpace) {
                    return -1;
                }
            } else if (b < 33 || b > 126 || trailingSpace) {
                return -1;
            }
        }
        return -1;
    }

    private static String unfold(byte[] raw, int from, int end) {
        String v = new String(raw, from, end - from, StandardCharsets.ISO_8859_1);
        return v.replace("\r", "").replace("\n", "").strip();
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
