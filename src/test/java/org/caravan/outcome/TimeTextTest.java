package org.caravan.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The cached formatter writes exactly what DateTimeFormatter writes, across second boundaries. */
class TimeTextTest {

    @Test
    void matchesDateTimeFormatterForAccountingAndEventShapes() {
        DateTimeFormatter accounting = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC);
        DateTimeFormatter event = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
        TimeText a = new TimeText("uuuu-MM-dd HH:mm:ss", "+0000");
        TimeText e = new TimeText("uuuu-MM-dd'T'HH:mm:ss", "Z");
        SplittableRandom random = new SplittableRandom(7);
        long t = 1_796_161_010_000L;
        for (int i = 0; i < 20_000; i++) {
            // mostly small steps back and forth (queued vs logged), sometimes a jump
            t += i % 97 == 0 ? random.nextLong(-86_400_000L, 86_400_000L) : random.nextLong(-3_000, 3_000);
            assertThat(a.format(t)).isEqualTo(accounting.format(Instant.ofEpochMilli(t)));
            assertThat(e.format(t)).isEqualTo(event.format(Instant.ofEpochMilli(t)));
        }
        assertThat(a.format(1_796_161_010_007L)).isEqualTo("2026-12-01 21:36:50.007+0000");
        assertThat(e.format(0)).isEqualTo("1970-01-01T00:00:00.000Z");
    }
}
