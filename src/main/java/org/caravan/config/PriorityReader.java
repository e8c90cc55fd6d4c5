package org.caravan.config;

import java.util.Set;

/**
 * Reads the top-level priority: block ({@code bulk-below: 5}, {@code bulk-share: 10%}); either
 * key, or the block, may be left out for {@link TrafficPriority#DEFAULT}'s value.
 */
final class PriorityReader {

    static final Set<String> KEYS = YamlMap.keys("bulk-below", "bulk-share");

    private PriorityReader() {
    }

    static TrafficPriority read(YamlMap block) {
        if (block == null) {
            return TrafficPriority.DEFAULT;
        }
        Integer below = block.scalar("bulk-below", PriorityReader::bulkBelow);
        Integer share = block.scalar("bulk-share", PriorityReader::share);
        return new TrafficPriority(below == null ? TrafficPriority.DEFAULT.bulkBelow() : below,
                share == null ? TrafficPriority.DEFAULT.bulkSharePercent() : share);
    }

    private static int bulkBelow(String s) {
        int n = Values.nonNegativeInt(s);
        if (n < 1 || n > 9) {
            throw new IllegalArgumentException("expected 1-9 (priorities below it are bulk), got '" + s + "'");
        }
        return n;
    }

    /** A percentage 0%-50%: more than half would make bulk the priority traffic. */
    private static int share(String s) {
        if (!s.endsWith("%")) {
            throw new IllegalArgumentException("expected a percentage such as 10%, got '" + s + "'");
        }
        int n = Values.nonNegativeInt(s.substring(0, s.length() - 1).strip());
        if (n > 50) {
            throw new IllegalArgumentException("expected 0%-50% (the least share of sends bulk gets), got '" + s + "'");
        }
        return n;
    }
}
