package org.caravan.smtp;

import jakarta.mail.MessagingException;
import org.caravan.routing.NextHop;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/** One open SMTP session to one next hop, with what the pool needs to retire it. */
final class SmtpConnection {

    final NextHop hop;
    final SMTPTransport transport;
    int messagesSent;
    long lastUsedNanos = System.nanoTime();

    SmtpConnection(NextHop hop, SMTPTransport transport) {
        this.hop = hop;
        this.transport = transport;
    }

    void close() {
        try {
            transport.close();
        } catch (MessagingException | RuntimeException e) {
            // the peer already went away; nothing to keep
        }
    }
}
