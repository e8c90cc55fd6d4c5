package org.caravan.outcome;

import org.caravan.testsupport.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.caravan.smtp.SmtpReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccountingLogTest {

    private static final String HEADER = "type,timeLogged,timeQueued,orig,rcpt,dsnAction,dsnStatus,dsnDiag,"
            + "dsnMta,bounceCat,vmta,jobId,envId,policy,domain,messageId,attempt,tlsProtocol,tlsCipher,tlsVerified";
    private static final Instant DAY_ONE = Instant.parse("2026-11-28T23:59:58Z");

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(DAY_ONE);

    @Test
    void writesHeaderOnceAndPowerMtaFields() throws IOException {
        try (AccountingLog log = new AccountingLog(dir, 1 << 20, clock)) {
            log.record(delivered("a@example.com"));
            log.record(List.of(bounced("b@example.com"), delivered("c@example.com")));

            List<String> lines = Files.readAllLines(log.currentFile());
            assertThat(log.currentFile().getFileName().toString()).isEqualTo("acct-20261128-001.csv");
            assertThat(lines).hasSize(4);
            assertThat(lines.get(0)).isEqualTo(HEADER);
            assertThat(lines.get(1)).isEqualTo("d,2026-11-28 15:04:07.000+0000,2026-11-28 15:04:05.123+0000,"
                    + "bounces@example.com,a@example.com,relayed,2.0.0,smtp;250 2.0.0 OK,mx.example.com,,"
                    + "default,job-1,env-1,default,example.com,<m1@example.com>,1,,,");
            assertThat(lines.get(2)).isEqualTo("b,2026-11-28 15:04:07.000+0000,2026-11-28 15:04:05.123+0000,"
                    + "bounces@example.com,b@example.com,failed,5.0.0,smtp;550 no such user,mx.example.com,"
                    + "bad-mailbox,default,job-1,env-1,default,example.com,<m1@example.com>,2,,,");
        }
    }

    @Test
    void quotesCommasAndQuotesAndKeepsEachRecordOnOneLine() throws IOException {
        DeliveryOutcome tricky = outcome(OutcomeType.DEFERRED, "x@example.com",
                new SmtpReply(451, "4.7.1", "try \"later\", please\nsecond line"), null, "job,with,commas");
        try (AccountingLog log = new AccountingLog(dir, 1 << 20, clock)) {
            log.record(tricky);

            List<CSVRecord> records = parse(log.currentFile());
            assertThat(records).hasSize(1);
            assertThat(records.get(0).get("dsnAction")).isEqualTo("delayed");
            assertThat(records.get(0).get("dsnStatus")).isEqualTo("4.7.1");
            assertThat(records.get(0).get("dsnDiag")).isEqualTo("smtp;451 4.7.1 try \"later\", please second line");
            assertThat(Files.readAllLines(log.currentFile())).hasSize(2);
            assertThat(records.get(0).get("jobId")).isEqualTo("job,with,commas");
            assertThat(records.get(0).get("bounceCat")).isEmpty();
        }
    }

    @Test
    void neutralisesLineBreaksAndSpreadsheetFormulasInEveryField() throws IOException {
        DeliveryOutcome hostile = new DeliveryOutcome(OutcomeType.BOUNCED, "-x@example.com", "example.com", "default",
                "default", "=HYPERLINK(\"http://evil.test\",\"click\")", "+env\r\nd,forged,line",
                "<m1@example.com>", "@sender\u2028@example.com", 1,
                new SmtpReply(550, "5.1.1", "no such user\r\n550 5.1.1 second line\u0000"), "mx.example.com",
                BounceCategory.BAD_MAILBOX, 0, 0);
        try (AccountingLog log = new AccountingLog(dir, 1 << 20, clock)) {
            log.record(hostile);
            log.sync();

            assertThat(Files.readAllLines(log.currentFile())).hasSize(2);
            CSVRecord r = parse(log.currentFile()).get(0);
            assertThat(r.get("jobId")).isEqualTo("'=HYPERLINK(\"http://evil.test\",\"click\")");
            assertThat(r.get("envId")).isEqualTo("'+env  d,forged,line");
            assertThat(r.get("rcpt")).isEqualTo("'-x@example.com");
            assertThat(r.get("orig")).isEqualTo("'@sender @example.com");
            assertThat(r.get("dsnDiag")).isEqualTo("smtp;550 5.1.1 no such user  550 5.1.1 second line ");
        }
    }

    @Test
    void keepsOutcomesThroughAFailedDiskAndWritesThemOnceItIsBack() throws IOException {
        try (AccountingLog log = new AccountingLog(dir.resolve("acct"), 1, clock)) {
            log.record(delivered("before@example.com"));
            log.sync();
            Path moved = dir.resolve("moved");
            Files.move(dir.resolve("acct"), moved);
            Files.writeString(dir.resolve("acct"), "a file where the directory was");

            log.record(delivered("during@example.com"));
            assertThat(log.failure()).contains("cannot write accounting file");
            assertThat(log.unsynced()).isEqualTo(1);
            org.assertj.core.api.Assertions.assertThatThrownBy(log::sync).isInstanceOf(java.io.UncheckedIOException.class);
            log.record(delivered("after@example.com"));

            Files.delete(dir.resolve("acct"));
            Files.move(moved, dir.resolve("acct"));
            log.sync();

            assertThat(log.failure()).isNull();
            assertThat(log.unsynced()).isZero();
            List<String> rcpts = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir.resolve("acct"))) {
                for (Path f : files.sorted().toList()) {
                    parse(f).forEach(r -> rcpts.add(r.get("rcpt")));
                }
            }
            assertThat(rcpts).containsExactly("before@example.com", "during@example.com", "after@example.com");
        }
    }

    /**
     * Two consumers wait out an outage, each retrying sync; when the disk is back both sync at
     * once. The one that rewrites the pending outcomes into a fresh file is still forcing it when
     * the other comes: the second must wait for that force, not rewrite the same outcomes again.
     */
    @Test
    void twoSyncsAtTheEndOfAnOutageWriteThePendingOutcomesOnce() throws Exception {
        Path acct = dir.resolve("acct");
        Path moved = dir.resolve("moved");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (AccountingLog log = new AccountingLog(acct, 1, clock)) {
            for (int round = 0; round < 40; round++) {
                Files.move(acct, moved);
                Files.writeString(acct, "a file where the directory was");
                log.record(delivered("r" + round + "@example.com"));
                assertThat(log.failure()).isNotNull();
                Files.delete(acct);
                Files.move(moved, acct);
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
                List<Future<?>> syncs = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    syncs.add(pool.submit(() -> {
                        together.await();
                        log.sync();
                        return null;
                    }));
                }
                for (Future<?> f : syncs) {
                    f.get();
                }
            }
            List<String> rcpts = new ArrayList<>();
            try (Stream<Path> files = Files.list(acct)) {
                for (Path f : files.sorted().toList()) {
                    parse(f).forEach(r -> rcpts.add(r.get("rcpt")));
                }
            }
            assertThat(rcpts).hasSize(40).doesNotHaveDuplicates();
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void oneSyncCoversEveryRecordSinceTheLastAndNoneIsNeededWithoutNewOnes() {
        try (AccountingLog log = new AccountingLog(dir, 1 << 20, clock)) {
            log.sync();
            assertThat(log.syncs()).isZero();
            log.record(delivered("a@example.com"));
            log.record(delivered("b@example.com"));
            log.sync();
            log.sync();
            assertThat(log.syncs()).isEqualTo(1);
            assertThat(log.unsynced()).isZero();
        }
    }

    @Test
    void rollsBySizeIntoFileWithItsOwnHeader() throws IOException {
        try (AccountingLog log = new AccountingLog(dir, 200, clock)) {
            Path first = log.currentFile();
            log.record(delivered("a@example.com"));
            log.record(delivered("b@example.com"));

            assertThat(log.currentFile().getFileName().toString()).isEqualTo("acct-20261128-002.csv");
            assertThat(Files.readAllLines(first)).hasSize(2).first().isEqualTo(HEADER);
            assertThat(Files.readAllLines(log.currentFile())).hasSize(2).first().isEqualTo(HEADER);
        }
    }

    @Test
    void rollsWhenTheUtcDayChanges() throws IOException {
        try (AccountingLog log = new AccountingLog(dir, 1 << 20, clock)) {
            log.record(delivered("a@example.com"));
            clock.set(DAY_ONE.plusSeconds(3));
            log.record(delivered("b@example.com"));

            assertThat(log.currentFile().getFileName().toString()).isEqualTo("acct-20261129-001.csv");
            assertThat(Files.readAllLines(log.currentFile())).hasSize(2).first().isEqualTo(HEADER);
            assertThat(Files.readAllLines(dir.resolve("acct-20261128-001.csv"))).hasSize(2);
        }
    }

    @Test
    void continuesNumberingAfterExistingFilesOfToday() throws IOException {
        Files.writeString(dir.resolve("acct-20261128-001.csv"), "keep me\n");
        Files.writeString(dir.resolve("acct-20261128-007.csv"), "keep me too\n");
        Files.writeString(dir.resolve("acct-20261127-042.csv"), "yesterday\n");

        try (AccountingLog log = new AccountingLog(dir, 1 << 20, clock)) {
            log.record(delivered("a@example.com"));

            assertThat(log.currentFile().getFileName().toString()).isEqualTo("acct-20261128-008.csv");
        }
        assertThat(Files.readString(dir.resolve("acct-20261128-007.csv"))).isEqualTo("keep me too\n");
    }

    @Test
    void concurrentRecordsStayWholeLines() throws Exception {
        int threads = 4;
        int perThread = 1000;
        try (AccountingLog log = new AccountingLog(dir, 1L << 30, clock)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        log.record(delivered("t" + thread + "-" + i + "@example.com"));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();

            List<String> lines = Files.readAllLines(log.currentFile());
            assertThat(lines).hasSize(threads * perThread + 1);
            List<CSVRecord> records = parse(log.currentFile());
            assertThat(records).hasSize(threads * perThread)
                    .allSatisfy(r -> assertThat(r.size()).isEqualTo(20));
            assertThat(records.stream().map(r -> r.get("rcpt")).distinct()).hasSize(threads * perThread);
        }
    }

    @Test
    void concurrentRecordsAndSyncsAcrossRollsLeaveEveryRecordOnDiskOnce() throws Exception {
        int threads = 4;
        int perThread = 500;
        try (AccountingLog log = new AccountingLog(dir, 16 * 1024, clock)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        log.record(delivered("t" + thread + "-" + i + "@example.com"));
                        if (i % 5 == 4) {
                            log.sync(); // as a committer does at the end of its batch
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();

            assertThat(log.unsynced()).isZero();
            assertThat(log.syncs()).isPositive().isLessThanOrEqualTo(threads * perThread / 5 + 100);
            List<String> rcpts = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.sorted().toList()) {
                    parse(f).forEach(r -> rcpts.add(r.get("rcpt")));
                }
            }
            assertThat(rcpts).hasSize(threads * perThread).doesNotHaveDuplicates();
        }
    }

    private static List<CSVRecord> parse(Path file) throws IOException {
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get();
        try (Reader in = Files.newBufferedReader(file); Stream<CSVRecord> records = format.parse(in).stream()) {
            return records.toList();
        }
    }

    private static DeliveryOutcome delivered(String rcpt) {
        return outcome(OutcomeType.DELIVERED, rcpt, SmtpReply.parse(250, "250 2.0.0 OK"), null, "job-1");
    }

    private static DeliveryOutcome bounced(String rcpt) {
        return outcome(OutcomeType.BOUNCED, rcpt, new SmtpReply(550, "", "no such user"),
                BounceCategory.BAD_MAILBOX, "job-1");
    }

    private static DeliveryOutcome outcome(OutcomeType type, String rcpt, SmtpReply reply,
                                           BounceCategory category, String jobId) {
        int attempt = type == OutcomeType.DELIVERED ? 1 : 2;
        return new DeliveryOutcome(type, rcpt, "example.com", "default", "default", jobId, "env-1",
                "<m1@example.com>", "bounces@example.com", attempt, reply, "mx.example.com", category,
                Instant.parse("2026-11-28T15:04:05.123Z").toEpochMilli(),
                Instant.parse("2026-11-28T15:04:07Z").toEpochMilli());
    }

}
