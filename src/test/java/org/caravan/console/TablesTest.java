package org.caravan.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The CLI's tables: columns line up whatever the cell widths, numbers to the right. */
class TablesTest {

    @Test
    void showQueuesAlignsEveryColumn() throws Exception {
        var rows = new ObjectMapper().readTree("""
                [{"vmta":"default","policy":"gmail","mode":"backoff","ready":412,"scheduled":96,"delivering":4,
                  "oldestAgeSeconds":840,"openConnections":4,"nextRetry":"2026-12-02T15:40:00Z",
                  "lastError":{"time":"2026-12-02T15:30:00Z","reply":"421-4.7.28 unusual rate"},
                  "limits":{"maxMsgRate":"2000/h","maxSmtpOut":20}},
                 {"vmta":"default","policy":"default","mode":"normal","ready":0,"scheduled":0,"delivering":0,
                  "oldestAgeSeconds":0,"openConnections":0,"nextRetry":null,"lastError":null,
                  "limits":{"maxMsgRate":"100/s","maxSmtpOut":10}}]
                """);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Tables.queues(rows, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();

        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("QUEUE            MODE     READY");
        assertThat(lines.get(1)).startsWith("default/gmail    backoff    412     96      4     14m");
        assertThat(lines.get(2)).startsWith("default/default  normal       0      0      0      0s");
        // READY is right-aligned: its last digit under the heading's last letter
        int readyEnd = lines.get(0).indexOf("READY") + "READY".length();
        assertThat(lines.get(1).charAt(readyEnd - 1)).isEqualTo('2');
        assertThat(lines.get(2).charAt(readyEnd - 1)).isEqualTo('0');
        assertThat(lines.get(1)).endsWith("421-4.7.28 unusual rate");
    }

    @Test
    void agesReadAsAnOperatorWouldSayThem() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertThat(Tables.age(json.readTree("45"))).isEqualTo("45s");
        assertThat(Tables.age(json.readTree("900"))).isEqualTo("15m");
        assertThat(Tables.age(json.readTree("10800"))).isEqualTo("3h");
        assertThat(Tables.age(json.readTree("345600"))).isEqualTo("4d");
        assertThat(Tables.age(json.readTree("null"))).isEmpty();
    }

    @Test
    void setNamesTheDirective() {
        assertThat(Cli.directive("rate")).isEqualTo("max-msg-rate");
        assertThat(Cli.directive("smtp-out")).isEqualTo("max-smtp-out");
        assertThat(Cli.directive("msg-per-connection")).isEqualTo("max-msg-per-connection");
    }
}
