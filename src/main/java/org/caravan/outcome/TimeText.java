package org.caravan.outcome;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Epoch milliseconds as UTC text with milliseconds, in one fixed pattern. Every outcome writes
 * two times (queued, logged) into accounting and into its event, and DateTimeFormatter was most
 * of an accounting record's cost; the part up to the seconds is formatted once per second and
 * kept for the last few seconds (queued and logged times are usually seconds apart).
 */
final class TimeText {

    private record Second(long epochSecond, String text) {
    }

    private final DateTimeFormatter seconds;
    private final String zone;
    private final AtomicReferenceArray<Second> recent = new AtomicReferenceArray<>(8);

    /** secondsPattern: up to and including the seconds; zone: the literal text after the milliseconds. */
    TimeText(String secondsPattern, String zone) {
        this.seconds = DateTimeFormatter.ofPattern(secondsPattern).withZone(ZoneOffset.UTC);
        this.zone = zone;
    }

    String format(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000L);
        int slot = (int) (second & (recent.length() - 1));
        Second s = recent.get(slot);
        if (s == null || s.epochSecond() != second) {
            s = new Second(second, seconds.format(Instant.ofEpochSecond(second)));
            recent.set(slot, s);
        }
        int millis = (int) Math.floorMod(epochMillis, 1000L);
        StringBuilder out = new StringBuilder(s.text().length() + 4 + zone.length()).append(s.text()).append('.');
        if (millis < 100) {
            out.append('0');
        }
        if (millis < 10) {
            out.append('0');
        }
        return out.append(millis).append(zone).toString();
    }
}
