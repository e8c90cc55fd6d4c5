package org.caravan.smtp;

import java.io.IOException;

import jakarta.mail.MessagingException;
import org.caravan.config.TlsLevel;
import org.caravan.routing.NextHop;

/** One open SMTP session to one next hop, with what the pool needs to retire it. */
final class SmtpConnection {

    final NextHop hop;
    final SmtpClient client;
    /** What protects the session; null when it is plain. */
    final TlsDetails tls;
    int messagesSent;
    long lastUsedNanos = System.nanoTime();

    SmtpConnection(NextHop hop, SmtpClient client) {
        this(hop, client, null);
    }

    SmtpConnection(NextHop hop, SmtpClient client, TlsDetails tls) {
        this.hop = hop;
        this.client = client;
        this.tls = tls;
    }

    /** Whether this session is good enough for a message demanding level to hop (a verified name must be hop's). */
    boolean satisfies(NextHop to, TlsLevel level) {
        return switch (level) {
            case NONE, MAY -> true;
            case ENCRYPT -> tls != null;
            case VERIFY -> tls != null && tls.verified() && to.tlsName().equals(hop.tlsName());
        };
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
