package org.caravan.console;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.caravan.outcome.DeliveryOutcome;
import org.caravan.outcome.OutcomeType;

/**
 * What one (vmta, policy) line did lately, for the queue console: outcomes per minute over the
 * last hour, its last error, its busiest domains and commonest replies, its latest outcomes.
 * Memory is bounded (60 minute slots, {@value #MAX_KEYS} domains and replies per hour, 50
 * outcomes); one outcome costs a lock and a few map updates. Domains and replies are counted
 * per clock hour and the hour before it, so the tops cover the last one to two hours.
 */
final class LineActivity {

    static final int MINUTES = 60;
    static final int RECENT = 50;
    /** Distinct domains (and replies) counted per hour; past it the rest count as "other". */
    static final int MAX_KEYS = 1000;
    static final String OTHER = "other";
    private static final int MAX_REPLY_CHARS = 200;
    private static final long MINUTE = 60_000;
    private static final long HOUR = 3_600_000;

    record Minute(Instant minute, long delivered, long deferred, long bounced) {
    }

    record LastError(Instant time, String reply) {
    }

    record DomainCounts(String domain, long delivered, long deferred, long bounced) {
        long total() {
            return delivered + deferred + bounced;
        }
    }

    record ReplyCount(String reply, long count) {
    }

    record Recent(Instant time, String type, String recipient, String reply, int attempt) {
    }

    /** Slot i holds the minute starting at slotMinute[i] (epoch minute); stale slots read as zero. */
    private final long[] slotMinute = new long[MINUTES];
    private final long[][] slotCounts = new long[MINUTES][3];
    private final ArrayDeque<Recent> recent = new ArrayDeque<>(RECENT);
    private Map<String, long[]> domains = new HashMap<>();
    private Map<String, long[]> previousDomains = Map.of();
    private Map<String, Long> replies = new HashMap<>();
    private Map<String, Long> previousReplies = Map.of();
    private long hour = -1;
    private LastError lastError;

    LineActivity() {
        java.util.Arrays.fill(slotMinute, -1);
    }

    synchronized void add(DeliveryOutcome o, long now) {
        int kind = o.type().tallyIndex();
        if (kind < 0) {
            return;
        }
        long minute = now / MINUTE;
        int slot = (int) (minute % MINUTES);
        if (slotMinute[slot] != minute) {
            slotMinute[slot] = minute;
            java.util.Arrays.fill(slotCounts[slot], 0);
        }
        slotCounts[slot][kind]++;
        rollHour(now);
        String reply = o.reply() == null ? "" : shortened(o.reply().toString());
        long[] counts = domains.get(o.domain());
        if (counts == null) {
            counts = domains.computeIfAbsent(domains.size() < MAX_KEYS ? o.domain() : OTHER, d -> new long[3]);
        }
        counts[kind]++;
        if (o.type() != OutcomeType.DELIVERED) {
            lastError = new LastError(Instant.ofEpochMilli(now), reply);
            replies.merge(replies.size() < MAX_KEYS || replies.containsKey(reply) ? reply : OTHER, 1L, Long::sum);
        }
        if (recent.size() == RECENT) {
            recent.removeFirst();
        }
        recent.addLast(new Recent(Instant.ofEpochMilli(now), o.type().eventType(), o.recipient(), reply, o.attempt()));
    }

    /** The last hour's minutes, oldest first, the current minute last (zeros where nothing happened). */
    synchronized List<Minute> perMinute(long now) {
        long current = now / MINUTE;
        List<Minute> out = new ArrayList<>(MINUTES);
        for (long m = current - MINUTES + 1; m <= current; m++) {
            int slot = (int) (m % MINUTES);
            long[] c = slotMinute[slot] == m ? slotCounts[slot] : new long[3];
            out.add(new Minute(Instant.ofEpochMilli(m * MINUTE), c[0], c[1], c[2]));
        }
        return out;
    }

    synchronized LastError lastError() {
        return lastError;
    }

    synchronized List<DomainCounts> topDomains(int limit, long now) {
        rollHour(now);
        Map<String, long[]> merged = new HashMap<>();
        for (Map<String, long[]> m : List.of(previousDomains, domains)) {
            m.forEach((d, c) -> {
                long[] sum = merged.computeIfAbsent(d, k -> new long[3]);
                for (int i = 0; i < 3; i++) {
                    sum[i] += c[i];
                }
            });
        }
        return merged.entrySet().stream()
                .map(e -> new DomainCounts(e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2]))
                .sorted(Comparator.comparingLong(DomainCounts::total).reversed().thenComparing(DomainCounts::domain))
                .limit(limit).toList();
    }

    synchronized List<ReplyCount> topReplies(int limit, long now) {
        rollHour(now);
        Map<String, Long> merged = new HashMap<>(previousReplies);
        replies.forEach((r, n) -> merged.merge(r, n, Long::sum));
        return merged.entrySet().stream().map(e -> new ReplyCount(e.getKey(), e.getValue()))
                .sorted(Comparator.comparingLong(ReplyCount::count).reversed().thenComparing(ReplyCount::reply))
                .limit(limit).toList();
    }

    /** The latest outcomes, newest first. */
    synchronized List<Recent> recent() {
        List<Recent> out = new ArrayList<>(recent);
        java.util.Collections.reverse(out);
        return out;
    }

    /** A new clock hour: this hour's tallies become the previous hour's; older ones are dropped. */
    private void rollHour(long now) {
        long h = now / HOUR;
        if (h == hour) {
            return;
        }
        previousDomains = h == hour + 1 ? domains : Map.of();
        previousReplies = h == hour + 1 ? replies : Map.of();
        domains = new HashMap<>();
        replies = new HashMap<>();
        hour = h;
    }


    private static String shortened(String reply) {
        return reply.length() <= MAX_REPLY_CHARS ? reply : reply.substring(0, MAX_REPLY_CHARS) + "...";
    }
}
