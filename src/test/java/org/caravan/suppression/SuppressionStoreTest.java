package org.caravan.suppression;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class SuppressionStoreTest {

    @Test
    void anEntryHoldsForEverySenderOrForItsSenderDomainOnly() throws Exception {
        try (SuppressionStore store = new SuppressionStore(Files.createTempDirectory("supp").resolve("s.mv"))) {
            store.add("*", "All@Example.org", 1);
            store.add("Shop.test", "one@example.org", 2);
            assertThat(store.isSuppressed("a@b.test", "all@example.org")).isTrue();
            assertThat(store.isSuppressed("news@shop.test", "ONE@example.org")).isTrue();
            assertThat(store.isSuppressed("news@other.test", "one@example.org")).isFalse();
            assertThat(store.isSuppressed("", "one@example.org")).as("null sender: only entries for all").isFalse();

            StringWriter csv = new StringWriter();
            assertThat(store.exportCsv(csv)).isEqualTo(2);
            assertThat(csv.toString()).isEqualTo("address,scope,addedAt\nall@example.org,*,1\none@example.org,shop.test,2\n");
            assertThat(store.remove("shop.test", "one@example.org")).isTrue();
            assertThat(store.importCsv(new StringReader(csv.toString()), 9)).isEqualTo(1);
            assertThat(store.size()).isEqualTo(2);
        }
    }

    /** A child JVM adds entries and is killed with SIGKILL; every add it reported stays. */
    @Test
    void everyAddReportedSurvivesAKill9() throws Exception {
        Path file = Files.createTempDirectory("supp-kill").resolve("s.mv");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Adder.class.getName(), file.toString());
        pb.redirectErrorStream(true);
        Process child = pb.start();
        int reported = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null && reported < 500; ) {
                if (line.startsWith("added ")) {
                    reported = Integer.parseInt(line.substring(6)) + 1;
                }
            }
            child.destroyForcibly(); // SIGKILL on Linux
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(reported).isEqualTo(500);
        try (SuppressionStore store = new SuppressionStore(file)) {
            for (int i = 0; i < reported; i++) {
                assertThat(store.isSuppressed("", "r" + i + "@example.org")).as("r%d", i).isTrue();
            }
        }
    }

    /** The killed child: adds r0, r1, ... and prints each once add returned. */
    public static final class Adder {
        public static void main(String[] args) {
            SuppressionStore store = new SuppressionStore(Path.of(args[0]));
            for (int i = 0; ; i++) {
                store.add("*", "r" + i + "@example.org", i);
                System.out.println("added " + i);
                System.out.flush();
            }
        }
    }
}
