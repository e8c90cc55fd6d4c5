package org.caravan.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes as PowerMTA writes them: "50MB", "50M", "512K", "1G", "1024"; K/M/G are binary multiples. */
public final class Sizes {

    private static final Pattern SIZE = Pattern.compile("(\\d{1,18})\\s*([kKmMgG])?[bB]?");

    private Sizes() {
    }

    /** Parses a size in bytes; throws IllegalArgumentException naming the bad text. */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw bad(text);
        }
        long n = Long.parseLong(m.group(1));
        int shift = m.group(2) == null ? 0 : switch (Character.toUpperCase(m.group(2).charAt(0))) {
            case 'K' -> 10;
            case 'M' -> 20;
            default -> 30;
        };
        if (n > (Long.MAX_VALUE >> shift)) {
            throw bad(text);
        }
        return n << shift;
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("bad size '" + text + "' (expected e.g. 50MB, 512K, 1G or plain bytes)");
    }
}
