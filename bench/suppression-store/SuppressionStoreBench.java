import java.io.File;
import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.caravan.suppression.SuppressionStore;

/**
 * Fills a SuppressionStore with N entries (CSV import in batches, a commit each), reopens it, and
 * times isSuppressed for random hits and misses: p50/p99/max per lookup, file size, heap used.
 * Args: DIR [N]; run by run.sh.
 */
public class SuppressionStoreBench {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 10_000_000;
        Path file = dir.resolve("bench.mv");
        Files.deleteIfExists(file);
        long t0 = System.nanoTime();
        try (SuppressionStore store = new SuppressionStore(file)) {
            int batch = 200_000;
            for (int from = 0; from < n; from += batch) {
                StringBuilder csv = new StringBuilder(batch * 40);
                for (int i = from; i < Math.min(n, from + batch); i++) {
                    csv.append(address(i)).append(",*,1700000000000\n");
                }
                store.importCsv(new StringReader(csv.toString()), 0);
            }
            System.out.printf("filled %,d entries in %.1f s%n", store.size(), (System.nanoTime() - t0) / 1e9);
        }
        System.out.printf("file %s: %.1f MB%n", file.getFileName(), Files.size(file) / 1e6);
        try (SuppressionStore store = new SuppressionStore(file)) {
            SplittableRandom random = new SplittableRandom(42);
            time("warm-up", store, random, n, 200_000, true);
            time("hit", store, random, n, 1_000_000, true);
            time("miss (two keys: all senders, sender domain)", store, random, n, 1_000_000, false);
            System.gc();
            Thread.sleep(200);
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            System.out.printf("heap used after GC, store open: %.1f MB (max heap %.0f MB)%n", heap / 1e6,
                    Runtime.getRuntime().maxMemory() / 1e6);
        }
    }

    private static void time(String what, SuppressionStore store, SplittableRandom random, int n, int count, boolean hit) {
        long[] ns = new long[count];
        int found = 0;
        for (int k = 0; k < count; k++) {
            int i = hit ? random.nextInt(n) : n + random.nextInt(n);
            String rcpt = address(i);
            long s = System.nanoTime();
            boolean b = store.isSuppressed("news@shop.test", rcpt);
            ns[k] = System.nanoTime() - s;
            found += b ? 1 : 0;
        }
        Arrays.sort(ns);
        if (hit && found != count || !hit && found != 0) {
            throw new IllegalStateException(what + ": " + found + " of " + count + " found");
        }
        if (!what.equals("warm-up")) {
            System.out.printf("%-36s p50 %6.2f us  p99 %6.2f us  p99.9 %7.2f us  max %8.1f us  (%,d lookups)%n", what,
                    ns[count / 2] / 1e3, ns[count * 99 / 100] / 1e3, ns[count * 999 / 1000] / 1e3, ns[count - 1] / 1e3, count);
        }
    }

    private static String address(int i) {
        return "user" + i + "@domain" + (i % 5000) + ".test";
    }
}
