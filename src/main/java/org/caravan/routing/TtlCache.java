package org.caravan.routing;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * A size-bounded cache of answers that expire, least recently used dropped first. Concurrent
 * misses for one key wait for a single lookup; lookups run outside the lock, so a slow answer for
 * one domain never holds up another.
 */
final class TtlCache<V> {

    /** A value and the moment it stops being served. */
    record Timed<V>(V value, Instant expires) {
    }

    private final Clock clock;
    private final Map<String, Timed<V>> entries;
    private final Map<String, CompletableFuture<Timed<V>>> inFlight = new HashMap<>();

    TtlCache(Clock clock, int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("cache size must be at least 1, not " + maxEntries);
        }
        this.clock = clock;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Timed<V>> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** The cached value, or the one lookup computes (given the time of the miss). */
    V get(String key, Function<Instant, Timed<V>> lookup) {
        Instant now = clock.instant();
        CompletableFuture<Timed<V>> running;
        CompletableFuture<Timed<V>> mine = null;
        synchronized (this) {
            Timed<V> hit = entries.get(key);
            if (hit != null && now.isBefore(hit.expires())) {
                return hit.value();
            }
            running = inFlight.get(key);
            if (running == null) {
                mine = new CompletableFuture<>();
                inFlight.put(key, mine);
            }
        }
        return mine == null ? await(running) : load(key, lookup, now, mine);
    }

    /** The cached value if it is fresh, else null; never looks anything up. */
    synchronized V peek(String key) {
        Timed<V> hit = entries.get(key);
        return hit != null && clock.instant().isBefore(hit.expires()) ? hit.value() : null;
    }

    private V load(String key, Function<Instant, Timed<V>> lookup, Instant now, CompletableFuture<Timed<V>> mine) {
        Timed<V> fresh;
        try {
            fresh = lookup.apply(now);
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                inFlight.remove(key);
            }
            mine.completeExceptionally(e);
            throw e;
        }
        synchronized (this) {
            if (now.isBefore(fresh.expires())) {
                entries.put(key, fresh);
            } else {
                entries.remove(key);
            }
            inFlight.remove(key);
        }
        mine.complete(fresh);
        return fresh.value();
    }

    private V await(CompletableFuture<Timed<V>> running) {
        try {
            return running.join().value();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    synchronized int size() {
        return entries.size();
    }
}
