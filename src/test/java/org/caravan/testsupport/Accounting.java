package org.caravan.testsupport;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/** Reads the engine's accounting CSV files, the operator's record of every outcome. */
public final class Accounting {

    private final Path dir;

    Accounting(Path dir) {
        this.dir = dir;
    }

    public List<CSVRecord> records() {
        List<CSVRecord> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                try (Reader r = Files.newBufferedReader(f)) {
                    CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r).forEach(out::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public List<CSVRecord> ofType(String type) {
        return records().stream().filter(r -> r.get("type").equals(type)).toList();
    }

    /** Waits until at least n records of the type are written. */
    public List<CSVRecord> await(String type, int n, Duration timeout) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        List<CSVRecord> found = ofType(type);
        while (found.size() < n && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            found = ofType(type);
        }
        return found;
    }
}
