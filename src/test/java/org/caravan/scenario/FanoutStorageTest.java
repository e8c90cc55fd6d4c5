package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import org.caravan.testsupport.Broker;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.EventWatcher;
import org.junit.jupiter.api.Test;

/**
 * Every recipient domain gets its own queued copy of a message, so one submission stores its
 * size times its domains: max-fanout-size caps that. A 1 MB message to 200 domains (200 MB of
 * copies) is refused whole under the default cap, and the journal grows by the one rejected copy.
 */
class FanoutStorageTest {

    private static final int DOMAINS = 200;

    @Test
    void aMegabyteToTwoHundredDomainsIsRefusedInsteadOfQueuedTwoHundredTimes() throws Exception {
        // nothing listens on port 9: anything queued stays queued (deferred, retried in an hour)
        try (Engine engine = Engine.start("domain-policies:\n  default:\n    route: 127.0.0.1:9\n    retry-after: 1h\n");
                EventWatcher events = engine.broker().watchEvents()) {
            long before = storedBytes(engine.dataDir());
            StringJoiner rcpts = new StringJoiner(",");
            for (int i = 0; i < DOMAINS; i++) {
                rcpts.add("user@d" + i + ".example.com");
            }
            engine.broker().submit(megabyteMail(), Map.of("rcptTo", rcpts.toString(), "jobId", "fanout"));

            List<Map<String, Object>> rejected = events.await("rejected", 1, Duration.ofSeconds(20));
            if (rejected.isEmpty()) {
                events.await("deferred", DOMAINS, Duration.ofSeconds(60)); // queued: let the copies land
            }
            long grown = storedBytes(engine.dataDir()) - before;
            System.out.printf("FanoutStorageTest: 1 MB to %d domains grew the broker's data by %,d bytes%n", DOMAINS, grown);

            assertThat(rejected).singleElement().satisfies(e -> assertThat(String.valueOf(e.get("smtpText")))
                    .startsWith("fanout-too-large: ").contains(" x " + DOMAINS + " domains exceeds max-fanout-size 104857600"));
            assertThat(events.ofType("deferred")).as("copies queued for delivery").isEmpty();
            assertThat(grown).as("journal growth (bytes)").isLessThan(30L << 20);
            List<Broker.Taken> invalid = engine.broker().drain("mail.invalid", 1, Duration.ofSeconds(5));
            assertThat(invalid).singleElement().satisfies(t -> assertThat(t.reason()).startsWith("fanout-too-large: "));
        }
    }

    private static byte[] megabyteMail() {
        StringBuilder b = new StringBuilder("From: s@example.net\r\nSubject: big\r\nMessage-ID: <fanout@test>\r\n\r\n");
        String line = "m".repeat(76) + "\r\n";
        while (b.length() < (1 << 20)) {
            b.append(line);
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Bytes of every file under the data directory: journal, large messages, paging, bindings, accounting. */
    static long storedBytes(Path dir) {
        long[] total = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    total[0] += attrs.size();
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException gone) {
                    return FileVisitResult.CONTINUE; // deleted (acked, compacted) while we looked
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return total[0];
    }
}
