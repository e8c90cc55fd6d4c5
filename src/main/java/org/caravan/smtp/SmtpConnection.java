package org.caravan.smtp;

import java.io.IOException;

import jakarta.mail.MessagingException;
import org.caravan.routing.NextHop;

/** One open SMTP session to one next hop, with what the pool needs to retire it. */
final class SmtpConnection {

    final NextHop hop;
    final SmtpClient client;
    int messagesSent;
    long lastUsedNanos = System.nanoTime();

    SmtpConnection(NextHop hop, SmtpClient client) {
        this.hop = hop;
        this.client = client;
    }

    void close() {
        try {
            client.close(); // QUIT, then the socket's close waits for the server to hang up
        } catch (MessagingException | RuntimeException e) {
            // the peer already went away; nothing to keep
        } finally {
            try {
                client.socket().close();
            } catch (IOException e) {
                // already closed
            }
        }
    }
}
