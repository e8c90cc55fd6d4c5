package org.caravan.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One job's records in the engine's accounting CSVs (acct-*), read leniently: a kill -9 may cut
 * the last line of a file, which is then counted in cutLines and skipped. Not Accounting (commons
 * csv, strict) because of those cut lines, and because bench/crash.sh compiles this file against
 * the engine's runtime classpath only.
 */
public final class CrashAccounting {

    /** 'd' records per delivery (CrashSink.key): more than 1 is a duplicate record. */
    public final Map<String, Integer> delivered = new HashMap<>();
    /** The job's records of other types than 'd', per type. */
    public final Map<String, Integer> otherTypes = new TreeMap<>();
    public int cutLines;
    public int files;

    public static CrashAccounting read(Path dir, String job) throws IOException {
        CrashAccounting a = new CrashAccounting();
        if (!Files.isDirectory(dir)) {
            return a;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().startsWith("acct-")).sorted().toList();
        }
        for (Path f : files) {
            a.files++;
            String[] lines = Files.readString(f, StandardCharsets.UTF_8).split("\n", -1);
            List<String> header = csv(lines[0]);
            int type = header.indexOf("type");
            int jobId = header.indexOf("jobId");
            int rcpt = header.indexOf("rcpt");
            int mid = header.indexOf("messageId");
            // the last element follows the last '\n': empty, or a line cut by a kill
            for (int i = 1; i < lines.length; i++) {
                if (i == lines.length - 1) {
                    if (!lines[i].isEmpty()) {
                        a.cutLines++;
                    }
                    break;
                }
                List<String> r = csv(lines[i]);
                if (r.size() != header.size()) {
                    a.cutLines++;
                    continue;
                }
                if (!job.equals(r.get(jobId))) {
                    continue;
                }
                if (r.get(type).equals("d")) {
                    a.delivered.merge(CrashSink.key(r.get(mid), r.get(rcpt)), 1, Integer::sum);
                } else {
                    a.otherTypes.merge(r.get(type), 1, Integer::sum);
                }
            }
        }
        return a;
    }

    /** Deliveries of the expected ones with at least one 'd' record. */
    public int distinct(Set<String> expected) {
        int n = 0;
        for (String k : delivered.keySet()) {
            if (expected.contains(k)) {
                n++;
            }
        }
        return n;
    }

    /** 'd' records beyond the first of their delivery. */
    public int duplicateLines() {
        int n = 0;
        for (int v : delivered.values()) {
            n += v - 1;
        }
        return n;
    }

    /** RFC 4180 fields of one line (no embedded line breaks); empty if the line ends inside quotes (cut). */
    static List<String> csv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        f.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    f.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(f.toString());
                f.setLength(0);
            } else if (ch != '\r') {
                f.append(ch);
            }
        }
        if (quoted) {
            return List.of();
        }
        out.add(f.toString());
        return out;
    }
}
