package org.caravan.suppression;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Suppressed recipients in one MVStore file. A key is scope + NUL + address (lower-case), the
 * scope a sender domain or "*" for every sender; the value is when it was added (epoch millis).
 */
public class SuppressionStore implements AutoCloseable {

    /** The scope of an entry that holds for every sender. */
    public static final String ALL = "*";
    private static final char SEP = '\0';

    private final MVStore store;
    private final MVMap<String, Long> entries;

    public SuppressionStore(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the directory of " + file + ": " + e, e);
        }
        this.store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
        this.entries = store.openMap("suppressed");
    }

    /** An entry as listed and exported. */
    public record Entry(String scope, String address, long addedAt) {
    }

    /** True when rcpt is suppressed for every sender or for the sender's domain. */
    public boolean isSuppressed(String sender, String rcpt) {
        String address = rcpt.toLowerCase(Locale.ROOT);
        if (entries.containsKey(key(ALL, address))) {
            return true;
        }
        String domain = domainOf(sender);
        return !domain.isEmpty() && entries.containsKey(key(domain, address));
    }

    /** Adds (or keeps) an entry and commits it; scope null or "" means every sender. */
    public boolean add(String scope, String address, long at) {
        boolean added = entries.putIfAbsent(key(scope, address), at) == null;
        if (added) {
            store.commit();
        }
        return added;
    }

    public boolean remove(String scope, String address) {
        boolean removed = entries.remove(key(scope, address)) != null;
        if (removed) {
            store.commit();
        }
        return removed;
    }

    public long size() {
        return entries.sizeAsLong();
    }

    /** Up to limit entries from the first whose address starts with prefix ("" for all), in key order. */
    public List<Entry> list(String prefix, int limit) {
        List<Entry> out = new ArrayList<>();
        String p = prefix == null ? "" : prefix.toLowerCase(Locale.ROOT);
        Iterator<String> keys = entries.keyIterator(null);
        while (keys.hasNext() && out.size() < limit) {
            String k = keys.next();
            Entry e = entry(k, entries.get(k));
            if (e.address().startsWith(p)) {
                out.add(e);
            }
        }
        return out;
    }

    /** Writes every entry as CSV: address,scope,addedAt with a header line. */
    public long exportCsv(Writer out) throws IOException {
        out.write("address,scope,addedAt\n");
        long n = 0;
        for (org.h2.mvstore.Cursor<String, Long> c = entries.cursor(null); c.hasNext(); ) {
            String k = c.next();
            Entry e = entry(k, c.getValue());
            out.write(e.address() + "," + e.scope() + "," + e.addedAt() + "\n");
            n++;
        }
        return n;
    }

    /**
     * Reads CSV lines address[,scope[,addedAt]] (a header line starting "address" is skipped) and
     * adds each, one commit at the end; returns how many were new.
     */
    public long importCsv(Reader in, long now) throws IOException {
        java.io.BufferedReader lines = new java.io.BufferedReader(in);
        long added = 0;
        int lineNo = 0;
        for (String line; (line = lines.readLine()) != null; ) {
            lineNo++;
            String l = line.strip();
            if (l.isEmpty() || (lineNo == 1 && l.toLowerCase(Locale.ROOT).startsWith("address"))) {
                continue;
            }
            String[] f = l.split(",", -1);
            String address = f[0].strip();
            if (address.indexOf('@') < 1) {
                throw new IllegalArgumentException("line " + lineNo + ": not an address: " + address);
            }
            String scope = f.length > 1 ? f[1].strip() : ALL;
            long at = f.length > 2 && !f[2].isBlank() ? Long.parseLong(f[2].strip()) : now;
            if (entries.putIfAbsent(key(scope, address), at) == null) {
                added++;
            }
        }
        store.commit();
        return added;
    }

    @Override
    public void close() {
        store.close();
    }

    static String key(String scope, String address) {
        String s = scope == null || scope.isBlank() ? ALL : scope.strip().toLowerCase(Locale.ROOT);
        return s + SEP + address.strip().toLowerCase(Locale.ROOT);
    }

    private static Entry entry(String key, Long at) {
        int i = key.indexOf(SEP);
        return new Entry(key.substring(0, i), key.substring(i + 1), at == null ? 0 : at);
    }

    private static String domainOf(String address) {
        if (address == null) {
            return "";
        }
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }
}
