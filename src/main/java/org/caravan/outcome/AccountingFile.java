package org.caravan.outcome;

import java.io.BufferedWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/** One open accounting file: its CSV printer, its byte count (for the size roll) and its channel (for fsync). */
final class AccountingFile {

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("uuuuMMdd");

    private static final int BUFFER_CHARS = 64 * 1024;

    private final Path path;
    private final long epochDay;
    private final FileChannel channel;
    private final CountingOutputStream counter;
    private final CSVPrinter printer;

    private AccountingFile(Path path, long epochDay, FileChannel channel, CountingOutputStream counter,
            CSVPrinter printer) {
        this.path = path;
        this.epochDay = epochDay;
        this.channel = channel;
        this.counter = counter;
        this.printer = printer;
    }

    /** Creates the next numbered file of the day; CREATE_NEW so that no earlier file is ever overwritten. */
    static AccountingFile create(Path directory, long epochDay, CSVFormat format) throws IOException {
        String day = DAY.format(LocalDate.ofEpochDay(epochDay));
        Path file = directory.resolve(String.format("acct-%s-%03d.csv", day, lastSequence(directory, day) + 1));
        FileChannel fc = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            syncDirectory(directory);
            CountingOutputStream counting = new CountingOutputStream(Channels.newOutputStream(fc));
            BufferedWriter writer =
                    new BufferedWriter(new OutputStreamWriter(counting, StandardCharsets.UTF_8), BUFFER_CHARS);
            CSVPrinter csv = new CSVPrinter(writer, format);
            csv.flush();
            return new AccountingFile(file, epochDay, fc, counting, csv);
        } catch (IOException e) {
            fc.close();
            throw e;
        }
    }

    void printRecord(Object... values) throws IOException {
        printer.printRecord(values);
    }

    /** Hands the buffered lines to the OS. */
    void flush() throws IOException {
        printer.flush();
    }

    /** Flushes, then fdatasync: the lines are on disk when this returns. */
    void force() throws IOException {
        printer.flush();
        channel.force(false);
    }

    /** fdatasync of what was flushed before; callable without the log's lock (the channel is thread-safe). */
    void forceFlushed() throws IOException {
        channel.force(false);
    }

    Path path() {
        return path;
    }

    long epochDay() {
        return epochDay;
    }

    long bytes() {
        return counter.count;
    }

    /** Lets go of the file without writing more to it (what is still buffered is dropped). */
    void abandon() {
        try {
            channel.close();
        } catch (IOException e) {
            // the file is given up on either way
        }
    }

    /** A new file's name is durable only once its directory is synced. */
    private static void syncDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /** The highest sequence number among the day's existing files, 0 when there are none. */
    private static int lastSequence(Path directory, String day) throws IOException {
        Pattern name = Pattern.compile("acct-" + day + "-(\\d{3,9})\\.csv");
        int last = 0;
        try (DirectoryStream<Path> files = java.nio.file.Files.newDirectoryStream(directory, "acct-" + day + "-*.csv")) {
            for (Path f : files) {
                Matcher m = name.matcher(f.getFileName().toString());
                if (m.matches()) {
                    last = Math.max(last, Integer.parseInt(m.group(1)));
                }
            }
        }
        return last;
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
