package org.caravan.signing;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.james.jdkim.api.Headers;

/**
 * The header fields of a message with CRLF line ends, as jDKIM reads them: each field's text as
 * it stands (name, colon, value with its folding, no final CRLF), in message order. jDKIM turns
 * the text back into bytes with the platform charset, so the text is decoded with it, strictly:
 * a field that would not come back as the same bytes makes the message unsignable here.
 */
final class SignedFields implements Headers {

    private final List<String> fields;
    private final List<String> names;
    private final int bodyStart;

    private SignedFields(List<String> fields, List<String> names, int bodyStart) {
        this.fields = fields;
        this.names = names;
        this.bodyStart = bodyStart;
    }

    /** The fields of a CRLF message; null when a field holds bytes the platform charset cannot round-trip. */
    static SignedFields scan(byte[] crlf) {
        CharsetDecoder decoder = Charset.defaultCharset().newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> fields = new ArrayList<>();
        List<String> names = new ArrayList<>();
        int i = 0;
        while (i < crlf.length && !(crlf[i] == '\r' && i + 1 < crlf.length && crlf[i + 1] == '\n')) {
            int end = lineEnd(crlf, i);
            while (end < crlf.length && (crlf[end] == ' ' || crlf[end] == '\t')) {
                end = lineEnd(crlf, end); // a folded continuation line
            }
            int textEnd = end >= 2 && crlf[end - 1] == '\n' ? end - 2 : end;
            String text;
            try {
                text = decoder.decode(ByteBuffer.wrap(crlf, i, textEnd - i)).toString();
            } catch (CharacterCodingException e) {
                return null;
            }
            int colon = text.indexOf(':');
            fields.add(text);
            names.add(colon < 0 ? "" : text.substring(0, colon).strip().toLowerCase(Locale.ROOT));
            i = end;
        }
        return new SignedFields(fields, names, Math.min(crlf.length, i + 2));
    }

    /** Where the body starts, past the blank line (the end of the message when there is none). */
    int bodyStart() {
        return bodyStart;
    }

    /** The first field of that name's value, unfolded and trimmed, or null. */
    String first(String name) {
        int at = names.indexOf(name.toLowerCase(Locale.ROOT));
        if (at < 0) {
            return null;
        }
        String text = fields.get(at);
        return text.substring(text.indexOf(':') + 1).replace("\r\n", "").strip();
    }

    int count(String name) {
        int n = 0;
        for (String s : names) {
            if (s.equals(name)) {
                n++;
            }
        }
        return n;
    }

    @Override
    public List<String> getFields() {
        return fields;
    }

    @Override
    public List<String> getFields(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        List<String> out = new ArrayList<>(1);
        for (int k = 0; k < names.size(); k++) {
            if (names.get(k).equals(lower)) {
                out.add(fields.get(k));
            }
        }
        return out;
    }

    /** Index just past the LF ending the line that starts at from (or the end of the message). */
    private static int lineEnd(byte[] raw, int from) {
        int i = from;
        while (i < raw.length && raw[i] != '\n') {
            i++;
        }
        return Math.min(raw.length, i + 1);
    }
}
