package org.caravan.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Drives {@link ScriptedSmtpServer} with a real SMTP client (Angus Mail) over loopback. */
class ScriptedSmtpServerTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
    private final List<SMTPTransport> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        for (SMTPTransport client : clients) {
            try {
                client.close();
            } catch (MessagingException e) {
                // the server already closed this one (421, drop): nothing to clean up
            }
        }
        smtp.close();
    }

    @Test
    void recordsDotStuffedBodyByteIdentical() throws Exception {
        byte[] raw = message("<dots@x.test>", ".leading dot\r\n..two dots\r\n.\r\nnot the end\r\n. \r\nlast\r\n");

        send(connect(500), raw, "Bob@X.test", "carol@x.test");

        assertThat(smtp.awaitMessages(1, WAIT)).isTrue();
        Received got = smtp.received().get(0);
        assertThat(got.data()).isEqualTo(raw);
        assertThat(got.messageId()).isEqualTo("<dots@x.test>");
        assertThat(got.mailFrom()).isEqualTo("alice@x.test");
        assertThat(got.rcptTo()).containsExactly("Bob@X.test", "carol@x.test");
        assertThat(got.sessionId()).isEqualTo(1);
        assertThat(got.epochMillis()).isPositive();
    }

    @Test
    void countsTwoMessagesOnOneConnection() throws Exception {
        SMTPTransport client = connect(500);
        send(client, message("<m1@x.test>", "one\r\n"), "bob@x.test");
        send(client, message("<m2@x.test>", "two\r\n"), "bob@x.test");

        assertThat(smtp.messageCount()).isEqualTo(2);
        assertThat(smtp.connections()).isEqualTo(1);
        assertThat(smtp.messagesPerConnection()).isEqualTo(Map.of(1, 2));
        assertThat(smtp.maxMessagesPerConnection()).isEqualTo(2);
        assertThat(smtp.received()).extracting(Received::messageId).containsExactly("<m1@x.test>", "<m2@x.test>");
    }

    @Test
    void scriptedRcptRepliesFollowTheAttemptNumber() throws Exception {
        smtp.rcptReplies("retry@x.test", "451 4.7.1 try later", "451 4.7.1 try later", "250 OK");
        byte[] raw = message("<retry@x.test>", "body\r\n");

        assertThat(rcptFailureCode(() -> send(connect(500), raw, "retry@x.test"))).isEqualTo(451);
        assertThat(rcptFailureCode(() -> send(connect(500), raw, "retry@x.test"))).isEqualTo(451);
        send(connect(500), raw, "retry@x.test");

        assertThat(smtp.rcptAttempts("retry@x.test")).isEqualTo(3);
        assertThat(smtp.received()).singleElement()
                .satisfies(m -> assertThat(m.rcptTo()).containsExactly("retry@x.test"));
    }

    @Test
    void alwaysRcptRejectsEveryAttempt() throws Exception {
        smtp.alwaysRcpt("nouser@x.test", "550 5.1.1 no such user");
        byte[] raw = message("<nouser@x.test>", "body\r\n");

        assertThat(rcptFailureCode(() -> send(connect(500), raw, "nouser@x.test"))).isEqualTo(550);
        assertThat(rcptFailureCode(() -> send(connect(500), raw, "nouser@x.test"))).isEqualTo(550);

        assertThat(smtp.messageCount()).isZero();
        assertThat(smtp.rcptAttempts("NoUser@x.test")).isEqualTo(2);
    }

    @Test
    void randomDeferralAnswers451() throws Exception {
        smtp.deferRcptRandomly(1.0);
        assertThat(rcptFailureCode(() -> send(connect(500), message("<d@x.test>", "b\r\n"), "bob@x.test")))
                .isEqualTo(451);
    }

    @Test
    void dataRepliesFollowTheAttemptOfTheSameMessage() throws Exception {
        smtp.dataReplies("452 4.3.1 insufficient storage", "250 2.0.0 OK");
        byte[] raw = message("<data@x.test>", "body\r\n");

        SMTPSendFailedException refused = catchThrowableOfType(SMTPSendFailedException.class,
                () -> send(connect(500), raw, "bob@x.test"));
        send(connect(500), raw, "bob@x.test");

        assertThat(refused.getReturnCode()).isEqualTo(452);
        assertThat(smtp.messageCount()).isEqualTo(1);
        assertThat(smtp.dataCommands()).isEqualTo(2);
    }

    @Test
    void dropDuringDataFailsTheClient() throws Exception {
        smtp.dropDuringData(1);
        byte[] raw = message("<drop@x.test>", "line\r\n".repeat(2000));

        assertThatThrownBy(() -> send(connect(500), raw, "bob@x.test")).isInstanceOf(MessagingException.class);
        send(connect(500), raw, "bob@x.test");

        assertThat(smtp.received()).singleElement().satisfies(m -> assertThat(m.sessionId()).isEqualTo(2));
        assertThat(smtp.dataCommands()).isEqualTo(2);
    }

    @Test
    void stalledGreetingFiresTheClientReadTimeout() {
        smtp.stall(SmtpStage.GREETING, Duration.ofSeconds(3), 1);
        long start = System.nanoTime();

        assertThatThrownBy(() -> connect(500)).isInstanceOf(MessagingException.class);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void stallAfterDataEndLosesNoMessageTheClientGaveUpOn() throws Exception {
        smtp.stall(SmtpStage.DATA_END, Duration.ofMillis(1000), 1);

        assertThatThrownBy(() -> send(connect(500), message("<stall@x.test>", "b\r\n"), "bob@x.test"))
                .isInstanceOf(MessagingException.class);

        assertThat(smtp.awaitMessages(1, Duration.ofMillis(1500))).isFalse();
    }

    @Test
    void peakConcurrencyCountsParallelOpenSessions() throws Exception {
        connect(500);
        connect(500);
        connect(500);

        assertThat(smtp.peakConcurrentSessions()).isEqualTo(3);
        assertThat(smtp.openSessions()).isEqualTo(3);
        assertThat(smtp.connections()).isEqualTo(3);
    }

    @Test
    void rateLimitAnswers421AtMailFrom() throws Exception {
        smtp.rateLimit(2);
        SMTPTransport client = connect(500);
        send(client, message("<r1@x.test>", "b\r\n"), "bob@x.test");
        send(client, message("<r2@x.test>", "b\r\n"), "bob@x.test");

        SMTPSendFailedException refused = catchThrowableOfType(SMTPSendFailedException.class,
                () -> send(client, message("<r3@x.test>", "b\r\n"), "bob@x.test"));

        assertThat(refused.getReturnCode()).isEqualTo(421);
        assertThat(smtp.messageCount()).isEqualTo(2);
    }

    @Test
    void refusedSessionGreetsWith421() throws Exception {
        smtp.refuseSessions(1);

        assertThatThrownBy(() -> connect(500)).isInstanceOf(MessagingException.class);
        send(connect(500), message("<after@x.test>", "b\r\n"), "bob@x.test");

        assertThat(smtp.connections()).isEqualTo(2);
        assertThat(smtp.messageCount()).isEqualTo(1);
    }

    @Test
    void speaksTheSmallProtocolSubset() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", smtp.port())) {
            socket.setSoTimeout(2000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            assertThat(in.readLine()).startsWith("220 ");
            out.write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
            List<String> ehlo = List.of(in.readLine(), in.readLine(), in.readLine(), in.readLine());
            assertThat(ehlo).containsExactly("250-127.0.0.1 Hello client.test", "250-8BITMIME",
                    "250-SIZE 104857600", "250 ENHANCEDSTATUSCODES");
            assertThat(exchange(out, in, "VRFY bob")).startsWith("502 ");
            assertThat(exchange(out, in, "RCPT TO:<bob@x.test>")).startsWith("503 ");
            assertThat(exchange(out, in, "MAIL FROM:<> SIZE=10 BODY=8BITMIME")).startsWith("250 ");
            assertThat(exchange(out, in, "DATA")).startsWith("554 ");
            assertThat(exchange(out, in, "RSET")).startsWith("250 ");
            assertThat(exchange(out, in, "NOOP")).startsWith("250 ");
            assertThat(exchange(out, in, "QUIT")).startsWith("221 ");
            assertThat(in.readLine()).isNull();
        }
    }

    private static String exchange(OutputStream out, BufferedReader in, String command) throws Exception {
        out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return in.readLine();
    }

    /** A connected Angus client with the given read timeout; closed after the test. */
    private SMTPTransport connect(int readTimeoutMillis) throws MessagingException {
        Properties props = new Properties();
        props.setProperty("mail.smtp.host", "127.0.0.1");
        props.setProperty("mail.smtp.port", Integer.toString(smtp.port()));
        props.setProperty("mail.smtp.connectiontimeout", "2000");
        props.setProperty("mail.smtp.timeout", Integer.toString(readTimeoutMillis));
        props.setProperty("mail.smtp.from", "alice@x.test");
        SMTPTransport client = (SMTPTransport) Session.getInstance(props).getTransport("smtp");
        client.connect();
        clients.add(client);
        return client;
    }

    private static void send(SMTPTransport client, byte[] raw, String... recipients) throws MessagingException {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
        Address[] to = new Address[recipients.length];
        for (int i = 0; i < recipients.length; i++) {
            to[i] = new InternetAddress(recipients[i]);
        }
        client.sendMessage(message, to);
    }

    private static byte[] message(String messageId, String body) {
        return ("From: alice@x.test\r\nTo: bob@x.test\r\nSubject: test\r\nMessage-ID: " + messageId
                + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }

    /** The reply code of the first refused recipient in the client's exception chain. */
    private static int rcptFailureCode(org.assertj.core.api.ThrowableAssert.ThrowingCallable send) {
        Exception e = catchThrowableOfType(MessagingException.class, send);
        while (e instanceof MessagingException me) {
            if (me instanceof SMTPAddressFailedException failed) {
                return failed.getReturnCode();
            }
            e = me.getNextException();
        }
        throw new AssertionError("no refused recipient in the exception chain");
    }
}
