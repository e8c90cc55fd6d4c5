package org.caravan.console;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** The CLI's readable output: left-aligned text columns, right-aligned numbers, as `pmta show queues`. */
final class Tables {

    private Tables() {
    }

    static void queues(JsonNode rows, PrintStream out) {
        Table t = new Table("QUEUE", "MODE", ">READY", ">SCHED", ">DELIV", ">OLDEST", ">CONN", "RATE", ">OUT",
                "NEXT RETRY", "LAST ERROR");
        for (JsonNode r : rows) {
            JsonNode limits = r.path("limits");
            t.row(r.path("vmta").asText() + "/" + r.path("policy").asText(), r.path("mode").asText(),
                    num(r, "ready"), num(r, "scheduled"), num(r, "delivering"), age(r.path("oldestAgeSeconds")),
                    num(r, "openConnections"), limits.path("maxMsgRate").asText(""), num(limits, "maxSmtpOut"),
                    r.path("nextRetry").isNull() ? "" : r.path("nextRetry").asText(""),
                    r.path("lastError").isNull() ? "" : clip(r.path("lastError").path("reply").asText(""), 60));
        }
        t.print(out);
        if (rows.isEmpty()) {
            out.println("(no delivery queues)");
        }
    }

    static void queue(JsonNode r, PrintStream out) {
        JsonNode limits = r.path("limits");
        out.printf("%s/%s  %s  ready %s, scheduled %s, delivering %s, oldest %s, %s open connections%n",
                r.path("vmta").asText(), r.path("policy").asText(), r.path("mode").asText(), num(r, "ready"),
                num(r, "scheduled"), num(r, "delivering"), age(r.path("oldestAgeSeconds")), num(r, "openConnections"));
        out.printf("limits: max-msg-rate %s, max-msg-burst %s, max-smtp-out %s, max-conn-rate %s,"
                + " max-msg-per-connection %s%n", limits.path("maxMsgRate").asText(), num(limits, "maxMsgBurst"),
                num(limits, "maxSmtpOut"), limits.path("maxConnRate").asText(), num(limits, "maxMsgPerConnection"));
        if (!r.path("backoffReason").asText("").isEmpty()) {
            out.printf("backoff since %s until %s: %s%n", r.path("backoffSince").asText(),
                    r.path("backoffUntil").asText(), r.path("backoffReason").asText());
        }
        if (r.has("topDomains")) {
            out.println();
            domains(r.path("topDomains"), out);
        }
        if (r.has("topReplies") && !r.path("topReplies").isEmpty()) {
            out.println();
            Table replies = new Table(">COUNT", "REPLY");
            r.path("topReplies").forEach(x -> replies.row(num(x, "count"), clip(x.path("reply").asText(), 100)));
            replies.print(out);
        }
        if (r.has("recent") && !r.path("recent").isEmpty()) {
            out.println();
            Table recent = new Table("TIME", "TYPE", "RECIPIENT", ">ATTEMPT", "REPLY");
            r.path("recent").forEach(x -> recent.row(x.path("time").asText(), x.path("type").asText(),
                    x.path("recipient").asText(), num(x, "attempt"), clip(x.path("reply").asText(""), 60)));
            recent.print(out);
        }
    }

    static void domains(JsonNode rows, PrintStream out) {
        Table t = new Table("DOMAIN", ">DELIVERED", ">DEFERRED", ">BOUNCED");
        rows.forEach(r -> t.row(r.path("domain").asText(), num(r, "delivered"), num(r, "deferred"), num(r, "bounced")));
        t.print(out);
    }

    private static String num(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isMissingNode() || v.isNull() ? "" : v.asText();
    }

    /** 45s, 12m, 3h, 2d: as long as the oldest message has waited. */
    static String age(JsonNode seconds) {
        if (!seconds.isNumber()) {
            return "";
        }
        long s = seconds.asLong();
        if (s < 120) {
            return s + "s";
        }
        if (s < 7200) {
            return s / 60 + "m";
        }
        return s < 172_800 ? s / 3600 + "h" : s / 86_400 + "d";
    }

    private static String clip(String s, int max) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() <= max ? one : one.substring(0, max - 3) + "...";
    }

    /** Columns sized to their widest cell; a heading starting with '>' is right-aligned (numbers). */
    static final class Table {

        private final String[] headings;
        private final boolean[] right;
        private final List<String[]> rows = new ArrayList<>();

        Table(String... headings) {
            this.headings = new String[headings.length];
            this.right = new boolean[headings.length];
            for (int i = 0; i < headings.length; i++) {
                right[i] = headings[i].startsWith(">");
                this.headings[i] = right[i] ? headings[i].substring(1) : headings[i];
            }
        }

        void row(String... cells) {
            rows.add(cells);
        }

        void print(PrintStream out) {
            int[] width = new int[headings.length];
            for (int i = 0; i < headings.length; i++) {
                width[i] = headings[i].length();
                for (String[] r : rows) {
                    width[i] = Math.max(width[i], r[i].length());
                }
            }
            line(out, headings, width);
            rows.forEach(r -> line(out, r, width));
        }

        private void line(PrintStream out, String[] cells, int[] width) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < cells.length; i++) {
                String cell = cells[i];
                String pad = " ".repeat(width[i] - cell.length());
                sb.append(right[i] ? pad + cell : i == cells.length - 1 ? cell : cell + pad);
                if (i < cells.length - 1) {
                    sb.append("  ");
                }
            }
            out.println(sb.toString().stripTrailing());
        }
    }
}
