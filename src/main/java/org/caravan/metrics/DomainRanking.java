package org.caravan.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which recipient domains get a series of their own: at most {@code size} at a time, the rest
 * count as "other", so a mailing to a million domains cannot make a million series.
 *
 * <p>A domain gets in on its first outcome while a place is free. At the end of each period the
 * places go to the period's busiest domains (by recipient outcomes, a domain that already has a
 * place winning ties); a domain that had a place and is no longer among them loses it (its
 * series is removed, and it counts as "other" until it is busy enough again). While fewer
 * domains than places were seen in a period, those that had a place keep it. At most
 * {@code tracked} domains are counted per period (the busiest appear early in any period).
 * Not thread-safe: {@link DomainOutcomes} calls it under its lock.
 */
final class DomainRanking {

    static final String OTHER = "other";

    private final int size;
    private final int tracked;
    private final Map<String, long[]> counts = new HashMap<>();
    private Set<String> labeled = new LinkedHashSet<>();

    DomainRanking(int size, int tracked) {
        if (size < 0 || tracked < size) {
            throw new IllegalArgumentException("a ranking of " + size + " domains counting " + tracked);
        }
        this.size = size;
        this.tracked = tracked;
    }

    /** Counts one outcome for domain; the label it counts under: the domain while it has a place, else "other". */
    String count(String domain) {
        long[] c = counts.get(domain);
        if (c == null && counts.size() < tracked) {
            c = new long[1];
            counts.put(domain, c);
        }
        if (c != null) {
            c[0]++;
        }
        if (labeled.contains(domain)) {
            return domain;
        }
        if (labeled.size() < size && !OTHER.equals(domain)) {
            labeled.add(domain);
            return domain;
        }
        return OTHER;
    }

    /** Ends the period: the places go to its busiest domains; returns the domains that lost theirs. */
    List<String> endPeriod() {
        Set<String> before = labeled;
        List<String> ranked = new ArrayList<>(counts.keySet());
        ranked.remove(OTHER);
        ranked.sort(Comparator.<String>comparingLong(d -> counts.get(d)[0]).reversed()
                .thenComparing(d -> before.contains(d) ? 0 : 1));
        Set<String> next = new LinkedHashSet<>(ranked.subList(0, Math.min(size, ranked.size())));
        for (String incumbent : before) {
            if (next.size() >= size) {
                break;
            }
            next.add(incumbent); // nobody busier wanted its place
        }
        List<String> lost = new ArrayList<>();
        for (String d : before) {
            if (!next.contains(d)) {
                lost.add(d);
            }
        }
        labeled = next;
        counts.clear();
        return lost;
    }

    /** The domains with a place now. */
    Set<String> labeled() {
        return Set.copyOf(labeled);
    }
}
