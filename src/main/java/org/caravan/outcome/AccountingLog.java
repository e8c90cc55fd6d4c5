package org.caravan.outcome;

import java.io.BufferedWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.caravan.smtp.SmtpReply;

/**
 * PowerMTA-style accounting CSV, one line per recipient outcome, in {@code acct-yyyyMMdd-NNN.csv}
 * files that roll when the UTC day changes or a file passes its size limit. Thread-safe: all
 * writers share one synchronized BufferedWriter.
 */
public final class AccountingLog implements AutoCloseable {

    /** PowerMTA's fields first, so that its tooling reads the file; ours follow. */
    public static final String[] HEADER = {
        "type", "timeLogged", "timeQueued", "orig", "rcpt", "dsnAction", "dsnStatus", "dsnDiag",
        "dsnMta", "bounceCat", "vmta", "jobId", "envId", "policy", "domain", "messageId", "attempt"
    };

    /** Millisecond precision: the benchmark computes latency from timeLogged - timeQueued. */
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC);

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("uuuuMMdd");

    private static final long MILLIS_PER_DAY = 86_400_000L;

    private static final int BUFFER_CHARS = 64 * 1024;

    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder()
            .setHeader(HEADER)
            .setRecordSeparator('\n')
            .get();

    private final Path directory;
    private final long maxFileBytes;
    private final Clock clock;

    private Path currentFile;
    private long currentDay;
    private CountingOutputStream counter;
    private CSVPrinter printer;
    private boolean closed;

    /** Opens the next free file of today in {@code directory}, creating the directory if needed. */
    public AccountingLog(Path directory, long maxFileBytes, Clock clock) {
        if (maxFileBytes <= 0) {
            throw new IllegalArgumentException("maxFileBytes must be positive: " + maxFileBytes);
        }
        this.directory = directory;
        this.maxFileBytes = maxFileBytes;
        this.clock = clock;
        try {
            Files.createDirectories(directory);
            open(epochDay());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open accounting file in " + directory, e);
        }
    }

    /** Writes one line; returns once it is in the OS (see {@link #record(List)}). */
    public synchronized void record(DeliveryOutcome o) {
        record(List.of(o));
    }

    /**
     * Writes all lines with one flush. Returns once the lines are handed to the OS, not fsynced:
     * the broker transaction commit that follows is the durable point, and a crash between this
     * write and that commit yields a duplicate line on redelivery, never a lost one. An fsync per
     * call would cost more than the delivery it records.
     */
    public synchronized void record(List<DeliveryOutcome> outcomes) {
        if (closed) {
            throw new IllegalStateException("accounting log is closed: " + currentFile);
        }
        try {
            rollIfDue();
            for (DeliveryOutcome o : outcomes) {
                print(o);
            }
            printer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write accounting file " + currentFile, e);
        }
    }

    /** The file now written to. */
    public synchronized Path currentFile() {
        return currentFile;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (printer == null) {
            return;
        }
        try {
            printer.close(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close accounting file " + currentFile, e);
        } finally {
            printer = null;
        }
    }

    private void print(DeliveryOutcome o) throws IOException {
        SmtpReply reply = o.reply();
        BounceCategory category = o.bounceCategory();
        printer.printRecord(
                o.type().accountingType(),
                TIME.format(Instant.ofEpochMilli(o.timestamp())),
                TIME.format(Instant.ofEpochMilli(o.queuedAt())),
                o.mailFrom(),
                o.recipient(),
                dsnAction(o.type()),
                dsnStatus(reply),
                "smtp;" + reply,
                o.mx(),
                category == null ? "" : category.label(),
                o.vmta(),
                o.jobId(),
                o.envId(),
                o.policy(),
                o.domain(),
                o.messageId(),
                o.attempt());
    }

    private static String dsnAction(OutcomeType type) {
        return switch (type) {
            case DELIVERED -> "relayed";
            case DEFERRED -> "delayed";
            case BOUNCED, REJECTED -> "failed";
        };
    }

    /** The enhanced code, or one derived from the reply class when the server gave none. */
    private static String dsnStatus(SmtpReply reply) {
        if (reply.enhancedCode() != null && !reply.enhancedCode().isEmpty()) {
            return reply.enhancedCode();
        }
        if (reply.isPositive()) {
            return "2.0.0";
        }
        return reply.isPermanent() ? "5.0.0" : "4.0.0";
    }

    /** Also reopens after a failed roll, so that one full disk does not end accounting for good. */
    private void rollIfDue() throws IOException {
        long today = epochDay();
        if (printer != null && today == currentDay && counter.count < maxFileBytes) {
            return;
        }
        if (printer != null) {
            CSVPrinter old = printer;
            printer = null;
            old.close(true);
        }
        open(today);
    }

    /** Creates the next numbered file of the day; CREATE_NEW so that no earlier file is ever overwritten. */
    private void open(long epochDay) throws IOException {
        String day = DAY.format(LocalDate.ofEpochDay(epochDay));
        Path file = directory.resolve(String.format("acct-%s-%03d.csv", day, lastSequence(day) + 1));
        OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        CountingOutputStream counting = new CountingOutputStream(out);
        BufferedWriter writer =
                new BufferedWriter(new OutputStreamWriter(counting, StandardCharsets.UTF_8), BUFFER_CHARS);
        CSVPrinter csv = new CSVPrinter(writer, FORMAT);
        csv.flush();
        this.printer = csv;
        this.counter = counting;
        this.currentFile = file;
        this.currentDay = epochDay;
    }

    /** The highest sequence number among the day's existing files, 0 when there are none. */
    private int lastSequence(String day) throws IOException {
        Pattern name = Pattern.compile("acct-" + day + "-(\\d{3,9})\\.csv");
        int last = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "acct-" + day + "-*.csv")) {
            for (Path f : files) {
                Matcher m = name.matcher(f.getFileName().toString());
                if (m.matches()) {
                    last = Math.max(last, Integer.parseInt(m.group(1)));
                }
            }
        }
        return last;
    }

    private long epochDay() {
        return Math.floorDiv(clock.millis(), MILLIS_PER_DAY);
    }

    /** Counts the bytes that reach the file, so that the size limit needs no stat per record. */
    private static final class CountingOutputStream extends FilterOutputStream {
        private long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
