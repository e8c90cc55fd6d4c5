package org.caravan.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.caravan.config.Rate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The GCRA: even spacing, bursts after a pause, live changes, and the turn that one consumer at a time holds. */
class PacerTest {

    private static final long MS = 1_000_000L;

    /**
     * Cells asked for at the given times (ms) at 10/s (one each 100 ms): when each is admitted
     * if it waits for its turn, as a scenario of arrivals and the times they go out.
     */
    @ParameterizedTest(name = "burst {0}: asked {1} -> sent {2}")
    @CsvSource(delimiter = '|', textBlock = """
        # burst | asked at (ms)        | admitted at (ms)
        1       | 0 0 0 0              | 0 100 200 300
        1       | 0 250 260 1000       | 0 250 350 1000
        3       | 0 0 0 0 0            | 0 0 0 100 200
        3       | 0 0 0 1000 1000 1000 | 0 0 0 1000 1000 1000
        3       | 0 0 0 150 150 150    | 0 0 0 150 200 300
        """)
    void cellsGoOutEvenlyAfterABurst(int burst, String asked, String admitted) {
        Pacer pacer = new Pacer(() -> Rate.parse("10/s"), () -> burst);
        List<Long> out = new ArrayList<>();
        long clock = 0;
        for (String a : asked.split(" ")) {
            clock = Math.max(clock, Long.parseLong(a) * MS);
            long wait = pacer.waitNanos(clock);
            if (wait > 0) {
                clock += wait;
            }
            pacer.admit(clock);
            out.add(clock / MS);
        }
        assertThat(out).map(String::valueOf).containsExactly(admitted.split(" "));
    }

    @Test
    void aRateChangeAppliesToTheNextCell() {
        AtomicReference<Rate> rate = new AtomicReference<>(Rate.parse("1/m"));
        Pacer pacer = new Pacer(rate::get, () -> 1);
        pacer.admit(0);
        assertThat(pacer.waitNanos(MS)).as("at 1/m the next is a minute after").isEqualTo(60_000 * MS - MS);
        rate.set(Rate.parse("20/s"));
        assertThat(pacer.waitNanos(MS)).as("at 20/s, 50 ms after the last").isEqualTo(49 * MS);
        rate.set(Rate.UNLIMITED);
        assertThat(pacer.waitNanos(MS)).isLessThanOrEqualTo(0);
    }

    /** Four consumers take turns: each waits for the slot, "receives" (2 ms), then takes its cell. */
    @Test
    void consumersTakingTurnsAreSpacedByTheIntervalWithoutLosingTime() throws Exception {
        Pacer pacer = new Pacer(() -> Rate.parse("20/s"), () -> 1);
        List<Long> taken = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger left = new AtomicInteger(40);
        ExecutorService consumers = Executors.newFixedThreadPool(4);
        for (int c = 0; c < 4; c++) {
            consumers.submit(() -> {
                while (pacer.awaitTurn(() -> true)) {
                    if (left.getAndDecrement() <= 0) {
                        pacer.pass();
                        return null;
                    }
                    Thread.sleep(2);
                    pacer.take();
                    taken.add(System.nanoTime());
                }
                return null;
            });
        }
        consumers.shutdown();
        assertThat(consumers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        List<Long> sorted = taken.stream().sorted().toList();
        assertThat(sorted).hasSize(40);
        // measured after take() returns, so a descheduled thread blurs one gap; two intervals stay apart
        for (int i = 2; i < sorted.size(); i++) {
            assertThat(sorted.get(i) - sorted.get(i - 2)).as("#%d to #%d", i - 2, i).isGreaterThan(50 * MS);
        }
        long span = sorted.get(39) - sorted.get(0);
        System.out.printf("PacerTest: 40 cells at 20/s over %.0f ms (39 x 50 = 1950), gaps %s%n", span / 1e6,
                java.util.stream.IntStream.range(1, 40).mapToObj(i -> (sorted.get(i) - sorted.get(i - 1)) / MS).toList());
        assertThat(span).as("the time receiving does not add to the interval").isBetween(1900 * MS, 2100 * MS);
    }

    @Test
    void noTurnIsHeldWhenUnlimitedAndAStoppedConsumerGivesUp() throws Exception {
        assertThat(Pacer.unlimited().awaitTurn(() -> true)).isTrue();
        Pacer slow = new Pacer(() -> Rate.parse("1/m"), () -> 1);
        slow.take();
        long start = System.nanoTime();
        assertThat(slow.awaitTurn(() -> System.nanoTime() - start < 200 * MS)).as("gave up, no turn").isFalse();
        assertThat(slow.tryTurn()).as("the turn is free, the slot not here").isFalse();
    }
}
