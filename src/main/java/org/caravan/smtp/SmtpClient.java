package org.caravan.smtp;

import java.io.IOException;
import java.time.Duration;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * Angus's SMTP transport on a socket we own, used command by command: the transaction logic
 * (which reply means what, splitting recipients, MAIL parameters) lives in {@link SmtpTransaction},
 * since Angus's sendMessage() turns replies into exceptions and loses which stage failed. Each
 * command first tells the socket which reply it waits for and for how long.
 */
final class SmtpClient extends SMTPTransport {

    private final SmtpSocket socket;
    private final Duration readTimeout;
    private DataContent data;

    SmtpClient(Session session, SmtpSocket socket, Duration readTimeout) {
        super(session, new URLName("smtp", null, -1, null, null, null));
        this.socket = socket;
        this.readTimeout = readTimeout;
    }

    @Override
    protected boolean ehlo(String domain) throws MessagingException {
        socket.expectReply("EHLO", readTimeout);
        return super.ehlo(domain);
    }

    @Override
    protected void helo(String domain) throws MessagingException {
        socket.expectReply("HELO", readTimeout);
        super.helo(domain);
    }

    /** STARTTLS and the handshake, both within the timeout (the socket's reply deadline covers the two). */
    synchronized void startTls(Duration timeout) throws MessagingException {
        socket.expectReply("STARTTLS and the TLS handshake", timeout);
        startTLS();
    }

    /** EHLO after STARTTLS, under the name given the first time. */
    synchronized void ehloAgain() throws MessagingException {
        if (!ehlo(getLocalHost())) {
            throw new MessagingException("EHLO after STARTTLS refused: " + getLastServerResponse());
        }
    }

    SmtpSocket socket() {
        return socket;
    }

    /**
     * Sends one command and reads its reply within the timeout; the reply code, or -1 when the
     * server closed the connection instead of answering. I/O failures and timeouts throw.
     */
    synchronized int command(String command, String what, Duration timeout) throws MessagingException {
        socket.expectReply(what, timeout);
        return simpleCommand(command);
    }

    /** Writes the message as DATA content (CRLF line ends, dot-stuffed) and the terminating dot in one flush. */
    synchronized void writeBodyAndEnd(byte[] raw) throws IOException {
        if (data == null) {
            data = new DataContent(32 * 1024);
        }
        data.send(raw, socket.dataOutput());
    }

    /** Reads the reply to what was already sent (the end of data) within the timeout; -1 as for command(). */
    synchronized int reply(String what, Duration timeout) throws MessagingException {
        socket.expectReply(what, timeout);
        return readServerResponse();
    }
}
