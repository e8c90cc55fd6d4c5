package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.commons.csv.CSVRecord;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/**
 * Accounting is read by scripts line by line and opened in spreadsheets: a multi-line server reply
 * and a submitter's jobId written as a spreadsheet formula must not break a record over two lines
 * nor run as a formula.
 */
class AccountingFieldsTest {

    private static final String FORMULA = "=HYPERLINK(\"http://evil.test/\",\"open me\")";

    @Test
    void aMultiLineReplyAndAFormulaJobIdStayOneInertRecordEach() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start()
                .alwaysRcpt("gone@example.org", "550-5.1.1 no such user\r\n550 5.1.1 see https://help.test/550");
                Engine engine = Engine.start(Engine.routedConfig(Map.of("default", "* " + smtp.port()), ""))) {
            engine.broker().submit(RoutingTest.mail("<fields@accounting.test>", "gone@example.org, ok@example.org"),
                    Map.of("jobId", FORMULA));

            assertThat(engine.accounting().await("b", 1, Duration.ofSeconds(20))).hasSize(1);
            assertThat(engine.accounting().await("d", 1, Duration.ofSeconds(20))).hasSize(1);
            List<CSVRecord> records = engine.accounting().records();

            assertThat(physicalLines(engine.dataDir().resolve("accounting")))
                    .as("lines in the accounting files: one header and one per record")
                    .isEqualTo(records.size() + 1);
            CSVRecord bounce = engine.accounting().ofType("b").get(0);
            assertThat(bounce.get("dsnDiag")).doesNotContain("\n", "\r").contains("no such user", "help.test/550");
            assertThat(records).allSatisfy(r -> assertThat(r.get("jobId")).isEqualTo("'" + FORMULA));
        }
    }

    private static long physicalLines(Path dir) throws IOException {
        long lines = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                lines += Files.readAllLines(f).size();
            }
        }
        return lines;
    }
}
