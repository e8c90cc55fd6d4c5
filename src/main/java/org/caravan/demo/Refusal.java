package org.caravan.demo;

import java.util.List;

import org.subethamail.smtp.RejectException;

/**
 * A 4xx answer as the provider writes it, over several lines when it does ("421-4.7.28 ..." on
 * every line but the last, as Gmail does): SubEthaSMTP's own exception knows one line only.
 */
final class Refusal extends RejectException {

    private final List<String> lines;

    Refusal(int code, List<String> lines) {
        super(code, String.join(" ", lines));
        this.lines = List.copyOf(lines);
    }

    Refusal(int code, String line) {
        this(code, List.of(line));
    }

    @Override
    public String getErrorResponse() {
        StringBuilder reply = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            boolean last = i == lines.size() - 1;
            reply.append(getCode()).append(last ? ' ' : '-').append(lines.get(i));
            if (!last) {
                reply.append("\r\n");
            }
        }
        return reply.toString();
    }

    /** The reply's first line (with " ..." when it has more), for the demo's log. */
    @Override
    public String toString() {
        return getCode() + (lines.size() > 1 ? "-" : " ") + lines.get(0) + (lines.size() > 1 ? " ..." : "");
    }
}
