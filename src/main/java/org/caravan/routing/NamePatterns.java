package org.caravan.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Host or domain name patterns -> policy name, matched as PowerMTA matches domains: an exact name
 * wins, then the longest '*.suffix'. Used for recipient domains (match) and MX hosts (mx-match).
 */
final class NamePatterns {

    private final Map<String, String> exact = new HashMap<>();
    /** Longest suffix first, so the first that matches is the most specific. */
    private final List<Map.Entry<String, String>> suffixes = new ArrayList<>();

    /** pattern: "name.example" or "*.example" (lower case). */
    void add(String pattern, String policy) {
        if (pattern.startsWith("*.")) {
            suffixes.add(Map.entry(pattern.substring(1), policy));
            suffixes.sort(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());
        } else {
            exact.put(pattern, policy);
        }
    }

    boolean isEmpty() {
        return exact.isEmpty() && suffixes.isEmpty();
    }

    /** The policy of the most specific pattern matching a lower-case name, or null. */
    String match(String name) {
        String policy = exact.get(name);
        if (policy != null) {
            return policy;
        }
        for (Map.Entry<String, String> s : suffixes) {
            if (name.endsWith(s.getKey())) {
                return s.getValue();
            }
        }
        return null;
    }
}
