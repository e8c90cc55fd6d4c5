package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.caravan.testsupport.Engine;
import org.caravan.testsupport.EventWatcher;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/**
 * What the receiving server gets is the message as submitted under one Received: trace field
 * (RFC 5321 4.4): same bytes (less Bcc and Resent-Bcc), same Message-ID, nothing of the broker's,
 * Camel's or ours in the headers, and the envelope from the properties when given, else from the headers. Submitted over JMS (bytes and text) and STOMP.
 */
class MessageIntegrityTest {

    /** Header names that would betray a leak from STOMP frames or from our message properties. */
    private static final Set<String> INTERNAL_NAMES = Set.of("destination", "destination-type", "content-length",
            "receipt", "persistent", "login", "passcode", "subscription", "ack", "expires", "priority",
            "rcptto", "mailfrom", "jobid", "envid", "vmta", "policy", "domain", "messageid", "attempt", "queuedat",
            "reason", "breadcrumbid");
    private static final List<String> INTERNAL_PREFIXES = List.of("jms", "camel", "_amq", "caravan", "__amq");

    @Test
    void theReceivedMailIsTheSubmittedMail() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start("domain-policies:\n  default:\n    route: 127.0.0.1:" + smtp.port() + "\n");
                EventWatcher events = engine.broker().watchEvents()) {
            // JMS bytes, no envelope properties: envelope from From / To + Cc + Bcc
            engine.broker().submit(submitted("<jms-bytes@test>"), Map.of());
            // STOMP, envelope from the rcptTo and mailFrom properties, the headers' recipients ignored
            stompSend(engine.brokerPort(), submitted("<stomp@test>"), Map.of("jobId", "stomp-job",
                    "rcptTo", "frank@example.com,grace@example.org", "mailFrom", "bounces@example.net"));
            // JMS text, the null sender
            engine.broker().submitText(new String(submitted("<jms-text@test>"), StandardCharsets.UTF_8), Map.of("mailFrom", "<>"));
            // past the broker's large-message threshold (100 KB): journalled and streamed differently
            engine.broker().submit(submitted("<large@test>"), Map.of("rcptTo", "large@example.com"));

            assertThat(smtp.awaitMessages(9, Duration.ofSeconds(20))).isTrue();
            assertThat(events.await("delivered", 11, Duration.ofSeconds(10))).hasSize(11);
            Thread.sleep(300);
            List<Received> received = smtp.received();
            assertThat(received).hasSize(9);

            for (Received r : received) {
                byte[] data = r.data();
                int ours = firstFieldEnd(data);
                String trace = new String(data, 0, ours, StandardCharsets.US_ASCII);
                String protocol = r.messageId().equals("<stomp@test>") ? "STOMP" : "CORE";
                String forClause = r.messageId().equals("<large@test>") ? "\r\n\tfor <large@example.com>" : "";
                assertThat(trace).as("trace field of %s", r.messageId()).matches("Received: from \\[127\\.0\\.0\\.1\\]"
                        + " \\(\\[127\\.0\\.0\\.1\\]\\)\r\n\tby [A-Za-z0-9.-]+ \\(Caravan\\) with " + protocol
                        + " id [0-9a-fB-]+" + java.util.regex.Pattern.quote(forClause)
                        + ";\r\n\t[A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} \\+0000\r\n");
                byte[] rest = java.util.Arrays.copyOfRange(data, ours, data.length);
                assertThat(rest).as("DATA of %s to %s after the trace field", r.messageId(), r.rcptTo())
                        .isEqualTo(expected(r.messageId()));
                assertNothingInternal(r.messageId(), rest);
                assertThat(r.header("Bcc")).isNull();
                assertThat(r.header("Resent-Bcc")).isNull();
            }

            assertThat(envelopes(received, "<jms-bytes@test>")).containsExactlyInAnyOrder(
                    "alice@example.com -> [bob@example.com, erin@example.com]",
                    "alice@example.com -> [carol@example.org]",
                    "alice@example.com -> [dave@example.net]");
            assertThat(envelopes(received, "<stomp@test>")).containsExactlyInAnyOrder(
                    "bounces@example.net -> [frank@example.com]",
                    "bounces@example.net -> [grace@example.org]");
            assertThat(envelopes(received, "<jms-text@test>")).containsExactlyInAnyOrder(
                    " -> [bob@example.com, erin@example.com]",
                    " -> [carol@example.org]",
                    " -> [dave@example.net]");
            assertThat(envelopes(received, "<large@test>")).containsExactly("alice@example.com -> [large@example.com]");
            assertThat(received).filteredOn(r -> "<large@test>".equals(r.messageId())).singleElement()
                    .satisfies(r -> assertThat(r.data().length).isGreaterThan(300 * 1024));
            assertThat(events.ofType("delivered")).filteredOn(e -> "<stomp@test>".equals(e.get("messageId")))
                    .extracting(e -> e.get("recipient") + " " + e.get("jobId"))
                    .containsExactlyInAnyOrder("frank@example.com stomp-job", "grace@example.org stomp-job");
        }
    }

    /** The message as submitted: Bcc folded over two lines, Resent-Bcc, dot lines, a 998-octet line, 8-bit UTF-8. */
    static byte[] submitted(String messageId) {
        return (head() + "Bcc: dave@example.net,\r\n erin@example.com\r\nResent-Bcc: hidden@example.com\r\n"
                + tail(messageId)).getBytes(StandardCharsets.UTF_8);
    }

    /** What the server must record after the trace field intake adds: the submitted bytes less Bcc and Resent-Bcc. */
    static byte[] expected(String messageId) {
        return (head() + tail(messageId)).getBytes(StandardCharsets.UTF_8);
    }

    private static String head() {
        return "Received: from app1.example.com by submit.example.com; Tue, 3 Jun 2025 10:00:00 +0000\r\n"
                + "From: Alice Sender <alice@example.com>\r\n"
                + "To: Bob <bob@example.com>\r\n"
                + "Cc: carol@example.org\r\n";
    }

    private static String tail(String messageId) {
        StringBuilder longLine = new StringBuilder();
        while (longLine.length() < 998) {
            longLine.append("0123456789");
        }
        longLine.setLength(998); // the most RFC 5322 allows, CRLF excluded
        return "Subject: integrity\r\n"
                + "Message-ID: " + messageId + "\r\n"
                + "Date: Tue, 3 Jun 2025 10:00:00 +0000\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n"
                + "X-Mailer: integrity-test\r\n"
                + "\r\n"
                + ".leading dot\r\n"
                + "..two leading dots\r\n"
                + ".\r\n"
                + "..\r\n"
                + "a dot . in the middle\r\n"
                + "\r\n"
                + ".\r\n"
                + "\r\n"
                + longLine + "\r\n"
                + "Gr\u00fc\u00dfe aus K\u00f6ln \u2014 \u65e5\u672c\u8a9e \ud83d\udcec\r\n"
                + "Bcc: a body line, not a header\r\n"
                + (messageId.equals("<large@test>") ? largeBody() : "")
                + "end.\r\n";
    }

    /** 4,000 lines of 78 characters, every tenth starting with a dot. */
    private static String largeBody() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 4000; i++) {
            String line = (i % 10 == 0 ? "." : "") + String.format("%06d ", i);
            b.append(line).append("y".repeat(78 - line.length())).append("\r\n");
        }
        return b.toString();
    }

    /** Where the first header field of data ends, continuation lines included. */
    private static int firstFieldEnd(byte[] data) {
        int i = 0;
        do {
            while (data[i] != '\n') {
                i++;
            }
            i++;
        } while (data[i] == ' ' || data[i] == '\t');
        return i;
    }

    private static void assertNothingInternal(String messageId, byte[] data) {
        List<String> names = headerNames(data);
        List<String> submittedNames = headerNames(expected(messageId));
        assertThat(names).as("header fields of %s", messageId).containsExactlyElementsOf(submittedNames);
        for (String name : names) {
            String lower = name.toLowerCase(Locale.ROOT);
            assertThat(INTERNAL_PREFIXES).as("prefix of header %s", name).noneMatch(lower::startsWith);
            assertThat(INTERNAL_NAMES).as("header %s", name).doesNotContain(lower);
        }
        assertThat(names.stream().filter("Message-ID"::equalsIgnoreCase)).hasSize(1);
    }

    /** Field names of the header block, in order. */
    private static List<String> headerNames(byte[] data) {
        List<String> names = new ArrayList<>();
        for (String line : new String(data, StandardCharsets.ISO_8859_1).split("\r\n", -1)) {
            if (line.isEmpty()) {
                break;
            }
            if (line.charAt(0) != ' ' && line.charAt(0) != '\t') {
                names.add(line.substring(0, Math.max(0, line.indexOf(':'))));
            }
        }
        return names;
    }

    /** "mailFrom -> [rcpt, ...]" per transaction of that message, recipients sorted. */
    private static List<String> envelopes(List<Received> received, String messageId) {
        return received.stream().filter(r -> messageId.equals(r.messageId()))
                .map(r -> r.mailFrom() + " -> " + r.rcptTo().stream().sorted().toList())
                .toList();
    }


    /** One STOMP 1.2 SEND over a raw socket, as a non-Java client would submit; waits for the broker's receipt. */
    static void stompSend(int port, byte[] body, Map<String, String> headers) throws IOException {
        assertThat(stompSendReply(port, body, headers)).startsWith("RECEIPT\n").contains("receipt-id:sent-1");
    }

    /** One STOMP 1.2 SEND with a receipt request; the broker's answer to it (RECEIPT or ERROR frame). */
    static String stompSendReply(int port, byte[] body, Map<String, String> headers) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(frame("CONNECT\naccept-version:1.2\nhost:127.0.0.1\nlogin:" + Engine.USER
                    + "\npasscode:" + Engine.PASSWORD + "\n\n", new byte[0]));
            assertThat(readFrame(in)).startsWith("CONNECTED\n");

            StringBuilder send = new StringBuilder("SEND\ndestination:mail.submit\ndestination-type:ANYCAST\n")
                    .append("content-length:").append(body.length).append('\n')
                    .append("persistent:true\nreceipt:sent-1\n");
            headers.forEach((k, v) -> send.append(k).append(':').append(v).append('\n'));
            out.write(frame(send.append('\n').toString(), body));
            String reply = readFrame(in);
            if (reply.startsWith("RECEIPT\n")) {
                out.write(frame("DISCONNECT\nreceipt:bye\n\n", new byte[0]));
                readFrame(in);
            }
            return reply;
        }
    }

    private static byte[] frame(String commandAndHeaders, byte[] body) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.writeBytes(commandAndHeaders.getBytes(StandardCharsets.UTF_8));
        f.writeBytes(body);
        f.write(0);
        return f.toByteArray();
    }

    /** Reads one frame up to its NUL, skipping heart-beat newlines before it. */
    private static String readFrame(InputStream in) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != 0;) {
            if (b < 0) {
                throw new IOException("STOMP connection closed after: " + f);
            }
            if (f.size() > 0 || (b != '\n' && b != '\r')) {
                f.write(b);
            }
        }
        return f.toString(StandardCharsets.UTF_8);
    }
}
