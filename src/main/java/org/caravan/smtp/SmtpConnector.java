package org.caravan.smtp;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import org.caravan.config.TlsLevel;
import org.caravan.routing.NextHop;

/** Opens SMTP sessions for one (vmta, policy): our own socket, bound to the vmta's address, EHLO with its name. */
final class SmtpConnector {

    private final Session session;
    private final SmtpSettings settings;
    private final String line;
    private final String ehlo;
    private final String sourceHost;
    private final StartTls tls;
    private volatile SmtpEvents events = SmtpEvents.NONE;

    SmtpConnector(Session session) {
        this.session = session;
        this.settings = SmtpSessions.settings(session);
        this.line = SmtpSessions.line(session);
        this.ehlo = session.getProperty(SmtpSessions.EHLO);
        this.sourceHost = session.getProperty(SmtpSessions.SOURCE_HOST);
        this.tls = SmtpSessions.startTls(session);
    }

    void observe(SmtpEvents observer) {
        this.events = observer;
    }

    SmtpConnection open(NextHop hop) throws MessagingException {
        return open(hop, TlsLevel.NONE);
    }

    /**
     * A session to hop with at least the TLS the line's policy and the message (demanded) ask for.
     * A failed handshake under opportunistic TLS is retried at once in the clear, and the MX is
     * remembered so that its next sessions do not pay for the failure again; under a required
     * level it refuses the session with a deferral (4.7.5).
     */
    SmtpConnection open(NextHop hop, TlsLevel demanded) throws MessagingException {
        TlsLevel level = tls.levelFor(hop, demanded);
        try {
            return connect(hop, level);
        } catch (StartTls.TlsHandshakeFailed e) {
            if (level != TlsLevel.MAY) {
                throw new SmtpRefusedException(e.reply());
            }
            tls.fellBack(hop, line, e.getMessage());
            return connect(hop, TlsLevel.NONE);
        }
    }

    /**
     * Connects our own socket (so that every phase has its deadline, see SmtpSocket): TCP connect
     * and the whole greeting within connect-timeout, then EHLO. A server that answers with a
     * 4xx/5xx greeting or refuses HELO raises SmtpRefusedException with its reply.
     */
    private SmtpConnection connect(NextHop hop, TlsLevel level) throws MessagingException {
        SmtpEvents observer = events;
        observer.connecting();
        SmtpSocket socket = new SmtpSocket(line, settings);
        SmtpClient client = new SmtpClient(session, socket, settings.read());
        Phase phase = Phase.TCP;
        try {
            socket.expectReply("the greeting", settings.connect());
            if (sourceHost != null) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(sourceHost), 0)); // an IP literal: no lookup
            }
            InetAddress ip = InetAddress.getByName(hop.host());
            // named after the hop, so that nothing asks DNS for the reverse name of an address
            InetAddress named = InetAddress.getByAddress(hop.host(), ip.getAddress());
            socket.connect(new InetSocketAddress(named, hop.port()), (int) Math.min(Integer.MAX_VALUE,
                    Math.max(1, settings.connect().toMillis())));
            phase = Phase.GREETING;
            SmtpWatchdog.watch(socket);
            client.setLocalHost(ehlo != null ? ehlo : addressLiteral(socket.getLocalAddress()));
            client.connect(socket);
            phase = Phase.TLS;
            return new SmtpConnection(hop, client, tls.upgrade(client, hop, level, settings.read()));
        } catch (StartTls.TlsHandshakeFailed e) {
            closeQuietly(socket);
            observer.connectFailed(ConnectFailure.TLS);
            throw e;
        } catch (IOException e) {
            closeQuietly(socket);
            observer.connectFailed(failure(phase, e));
            throw new MessagingException(SmtpTransaction.rootMessage(e), e);
        } catch (MessagingException e) {
            closeQuietly(socket);
            observer.connectFailed(failure(phase, e));
            int code = client.getLastReturnCode();
            if (code >= 400) {
                throw new SmtpRefusedException(SmtpReply.parse(code, client.getLastServerResponse()));
            }
            throw e;
        }
    }

    /** Where opening a connection got to: what a failure there is called in metrics. */
    private enum Phase { TCP, GREETING, TLS }

    /** A timeout anywhere is a timeout; else refused or other in the TCP connect, greeting after it, tls in STARTTLS. */
    private static ConnectFailure failure(Phase phase, Throwable e) {
        if (phase == Phase.TLS) {
            return ConnectFailure.TLS;
        }
        boolean refused = false;
        Throwable t = e;
        for (int depth = 0; t != null && depth < 20; depth++, t = next(t)) {
            if (t instanceof SocketTimeoutException) {
                return ConnectFailure.TIMEOUT;
            }
            refused |= t instanceof ConnectException;
        }
        if (phase == Phase.GREETING) {
            return ConnectFailure.GREETING;
        }
        return refused ? ConnectFailure.REFUSED : ConnectFailure.OTHER;
    }

    private static Throwable next(Throwable t) {
        Throwable next = t instanceof MessagingException m && m.getNextException() != null ? m.getNextException()
                : t.getCause();
        return next == t ? null : next;
    }

    /** RFC 5321 4.1.3: when the host has no usable name, EHLO names its address. */
    private static String addressLiteral(InetAddress local) {
        return local instanceof Inet6Address ? "[IPv6:" + local.getHostAddress() + "]" : "[" + local.getHostAddress() + "]";
    }

    private static void closeQuietly(SmtpSocket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // not connected or already closed
        }
    }

}
