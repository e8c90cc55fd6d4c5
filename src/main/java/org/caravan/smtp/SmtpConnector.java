package org.caravan.smtp;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import org.caravan.routing.NextHop;

/** Opens SMTP sessions for one (vmta, policy): our own socket, bound to the vmta's address, EHLO with its name. */
final class SmtpConnector {

    private final Session session;
    private final SmtpSettings settings;
    private final String line;
    private final String ehlo;
    private final String sourceHost;

    SmtpConnector(Session session) {
        this.session = session;
        this.settings = SmtpSessions.settings(session);
        this.line = SmtpSessions.line(session);
        this.ehlo = session.getProperty(SmtpSessions.EHLO);
        this.sourceHost = session.getProperty(SmtpSessions.SOURCE_HOST);
    }

    /**
     * Connects our own socket (so that every phase has its deadline, see SmtpSocket): TCP connect
     * and the whole greeting within connect-timeout, then EHLO. A server that answers with a
     * 4xx/5xx greeting or refuses HELO raises SmtpRefusedException with its reply.
     */
    SmtpConnection open(NextHop hop) throws MessagingException {
        SmtpSocket socket = new SmtpSocket(line, settings);
        SmtpClient client = new SmtpClient(session, socket, settings.read());
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
            SmtpWatchdog.watch(socket);
            client.setLocalHost(ehlo != null ? ehlo : addressLiteral(socket.getLocalAddress()));
            client.connect(socket);
            return new SmtpConnection(hop, client);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new MessagingException(SmtpTransaction.rootMessage(e), e);
        } catch (MessagingException e) {
            closeQuietly(socket);
            int code = client.getLastReturnCode();
            if (code >= 400) {
                throw new SmtpRefusedException(SmtpReply.parse(code, client.getLastServerResponse()));
            }
            throw e;
        }
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
