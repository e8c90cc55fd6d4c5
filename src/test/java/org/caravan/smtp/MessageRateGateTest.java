package org.caravan.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.caravan.config.Rate;
import org.junit.jupiter.api.Test;

class MessageRateGateTest {

    @Test
    void noWindowOfTheUnitAdmitsMoreThanTheCount() throws Exception {
        MessageRateGate gate = new MessageRateGate(() -> Rate.parse("10/s"));
        List<Long> starts = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int i = 0; i < 30; i++) {
            pool.submit(() -> {
                assertThat(gate.acquire()).isTrue();
                starts.add(System.nanoTime());
                Thread.sleep(5); // a short transaction
                gate.done();
                return null;
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        List<Long> sorted = starts.stream().sorted().toList();
        for (int i = 10; i < sorted.size(); i++) {
            assertThat(sorted.get(i) - sorted.get(i - 10)).as("11 starts within one second").isGreaterThanOrEqualTo(1_000_000_000L);
        }
    }

    @Test
    void aRateChangeAppliesToTheNextMessage() throws Exception {
        AtomicReference<Rate> rate = new AtomicReference<>(Rate.parse("1/s"));
        MessageRateGate gate = new MessageRateGate(rate::get);
        assertThat(gate.acquire()).isTrue();
        gate.done();
        rate.set(Rate.UNLIMITED);
        long start = System.nanoTime();
        assertThat(gate.acquire()).as("unlimited admits at once, nothing to give back").isFalse();
        assertThat(System.nanoTime() - start).isLessThan(500_000_000L);
    }
}
