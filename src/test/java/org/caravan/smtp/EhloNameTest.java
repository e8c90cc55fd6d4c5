package org.caravan.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import jakarta.mail.Session;
import org.caravan.config.Rate;
import org.caravan.routing.NextHop;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The EHLO name: the vmta's, else the host's own from files (never DNS), never "localhost". */
class EhloNameTest {

    @TempDir
    Path dir;

    @Test
    void mailnameWinsOverTheKernelHostName() throws Exception {
        Path mailname = Files.writeString(dir.resolve("mailname"), "mx1.example.com\n");
        Path hostname = Files.writeString(dir.resolve("hostname"), "box7\n");
        assertThat(EhloName.ofHost(List.of(mailname, hostname))).isEqualTo("mx1.example.com");
    }

    @Test
    void aMissingFileOrLocalhostFallsToTheNextSource() throws Exception {
        Path local = Files.writeString(dir.resolve("local"), "localhost.localdomain\n");
        Path hostname = Files.writeString(dir.resolve("hostname"), "box7\n");
        assertThat(EhloName.ofHost(List.of(dir.resolve("absent"), local, hostname))).isEqualTo("box7");
        assertThat(EhloName.qualified("box7")).isFalse();
        assertThat(EhloName.qualified("mx1.example.com")).isTrue();
    }

    @Test
    void noUsableNameMeansNone() throws Exception {
        Path local = Files.writeString(dir.resolve("local"), "localhost\n");
        Path empty = Files.writeString(dir.resolve("empty"), "");
        assertThat(EhloName.ofHost(List.of(local, empty))).isNull();
    }

    @Test
    void aLineWithoutAnEhloNameGivesTheHostsNameOrItsAddressNeverLocalhost() throws Exception {
        Session session = SmtpSessions.create("t", null, null, SmtpSettings.withTimeouts(Duration.ofSeconds(5),
                Duration.ofSeconds(5)));
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                SmtpConnectionPool pool = new SmtpConnectionPool(session, 1, 100, Rate.UNLIMITED, Duration.ofSeconds(30))) {
            OutboundMessage m = new OutboundMessage(session, "Subject: x\r\n\r\nx\r\n".getBytes(), "<e@t>", "a@example.net",
                    List.of("b@example.org"), List.of(new NextHop("127.0.0.1", smtp.port())));
            new PooledSmtpSender(pool, session, Pacer.unlimited()).send(m);
            String host = EhloName.ofHost();
            assertThat(smtp.ehloNames()).singleElement().isEqualTo(host != null ? host : "[127.0.0.1]");
            assertThat(smtp.ehloNames().get(0).toLowerCase()).doesNotStartWith("localhost");
        }
    }
}
