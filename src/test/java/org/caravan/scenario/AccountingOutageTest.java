package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.commons.csv.CSVRecord;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.springframework.boot.actuate.health.HealthComponent;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.Status;
import org.junit.jupiter.api.Test;

/**
 * The accounting directory disappears under a running engine (replaced by a plain file, which
 * fails for root too): the message the server accepted meanwhile is not sent again, health turns
 * DOWN naming the file, no further mail goes out, and once the directory is back its record is
 * written, health is UP and delivery resumes. Every recipient gets its mail exactly once and has
 * exactly one record.
 */
class AccountingOutageTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Long enough for several of the broker's redeliveries (1 s, 2 s, ...) had the transaction rolled back. */
    private static final Duration OUTAGE = Duration.ofSeconds(5);

    @Test
    void anUnwritableAccountingDirectoryStopsDeliveryWithoutResendingAndResumesWhenItIsBack() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(Engine.routedConfig(Map.of("default", "* " + smtp.port()),
                        "max-smtp-out: 2\n"),
                        // every record opens a new file, as a roll at the size limit does
                        "caravan.accounting.max-file-size=1")) {
            Path accounting = engine.dataDir().resolve("accounting");
            Path saved = engine.dataDir().resolve("accounting.saved");
            engine.broker().submit(RoutingTest.mail("<before@outage.test>", "a@example.org"), Map.of());
            assertThat(smtp.awaitMessages(1, WAIT)).isTrue();
            assertThat(engine.accounting().await("d", 1, WAIT)).hasSize(1);

            Files.move(accounting, saved);
            Files.writeString(accounting, "not a directory\n");
            engine.broker().submit(RoutingTest.mail("<during@outage.test>", "b@example.org"), Map.of());
            assertThat(smtp.awaitMessages(2, WAIT)).as("the message sent as accounting fails").isTrue();
            Thread.sleep(1000); // the send failing accounting is settled
            engine.broker().submit(RoutingTest.mail("<held@outage.test>", "c@example.org"), Map.of());
            Thread.sleep(OUTAGE.toMillis());

            assertThat(counts(smtp)).as("server receipts while accounting is down")
                    .isEqualTo(Map.of("<before@outage.test>", 1L, "<during@outage.test>", 1L));
            assertThat(health(engine).getStatus()).as("accounting health during the outage").isEqualTo(Status.DOWN);
            assertThat(health(engine).toString()).contains("cannot write accounting file");

            Files.delete(accounting);
            Files.move(saved, accounting);
            assertThat(smtp.awaitMessages(3, WAIT)).as("delivery resumed").isTrue();
            assertThat(awaitStatus(engine, Status.UP)).isEqualTo(Status.UP);
            List<CSVRecord> delivered = engine.accounting().await("d", 3, WAIT);
            Thread.sleep(1500);

            assertThat(counts(smtp)).isEqualTo(Map.of("<before@outage.test>", 1L, "<during@outage.test>", 1L,
                    "<held@outage.test>", 1L));
            assertThat(engine.accounting().ofType("d")).hasSize(3)
                    .extracting(r -> r.get("rcpt")).containsExactlyInAnyOrder("a@example.org", "b@example.org",
                            "c@example.org");
            assertThat(delivered).hasSize(3);
            assertThat(engine.broker().drain("mail.dead", 1, Duration.ofMillis(500))).isEmpty();
        }
    }

    @Test
    void stoppingDuringTheOutageRollsTheWaitingDeliveryBackAndItIsRecordedAfterTheRestart() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(Engine.routedConfig(Map.of("default", "* " + smtp.port()),
                        "max-smtp-out: 1\n"), "caravan.accounting.max-file-size=1")) {
            Path accounting = engine.dataDir().resolve("accounting");
            Path saved = engine.dataDir().resolve("accounting.saved");
            Files.move(accounting, saved);
            Files.writeString(accounting, "not a directory\n");
            engine.broker().submit(RoutingTest.mail("<stopped@outage.test>", "d@example.org"), Map.of());
            assertThat(smtp.awaitMessages(1, WAIT)).isTrue();
            assertThat(awaitStatus(engine, Status.DOWN)).isEqualTo(Status.DOWN);

            engine.stop(); // returns: the waiting consumer gives up instead of holding the shutdown
            Files.delete(accounting);
            Files.move(saved, accounting);
            engine.restart();

            assertThat(engine.accounting().await("d", 1, WAIT)).as("the record, written after the restart")
                    .singleElement().satisfies(r -> assertThat(r.get("rcpt")).isEqualTo("d@example.org"));
            // rolled back like a crash: sent again once, never lost
            assertThat(counts(smtp)).isEqualTo(Map.of("<stopped@outage.test>", 2L));
            assertThat(awaitStatus(engine, Status.UP)).isEqualTo(Status.UP);
        }
    }

    private static Map<String, Long> counts(ScriptedSmtpServer smtp) {
        return smtp.received().stream().collect(Collectors.groupingBy(Received::messageId, Collectors.counting()));
    }

    private static HealthComponent health(Engine engine) {
        HealthComponent accounting = engine.bean(HealthEndpoint.class).healthForPath("accounting");
        assertThat(accounting).as("an 'accounting' health component").isNotNull();
        return accounting;
    }

    private static Status awaitStatus(Engine engine, Status wanted) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Status now = health(engine).getStatus();
        while (!now.equals(wanted) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            now = health(engine).getStatus();
        }
        return now;
    }
}
