package org.caravan.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;

/**
 * A real SMTP server (SubEthaSMTP) on 127.0.0.1 that offers STARTTLS with a test certificate, or
 * does not, or breaks the handshake; it records what it received and whether it came over TLS.
 */
public final class TlsSmtpServer implements AutoCloseable {

    /** What the server does about TLS. */
    public enum Mode {
        /** offers STARTTLS and handshakes */
        OFFER,
        /** offers STARTTLS, TLS 1.2 only (session IDs show resumption) */
        OFFER_TLS12,
        /** does not offer STARTTLS */
        PLAIN,
        /** offers STARTTLS, answers 220 and then hangs up instead of handshaking */
        BREAK_HANDSHAKE
    }

    /** One message as received: the envelope sender and whether the session was encrypted. */
    public record Message(String from, boolean tls) {}

    private final SMTPServer server;
    private final List<Message> messages = new ArrayList<>();
    private final List<SSLSession> sessions = new ArrayList<>();
    private int mailCommands;
    private int handshakesBroken;

    private TlsSmtpServer(SSLContext tls, Mode mode) {
        SMTPServer.Builder b = SMTPServer.port(0).bindAddress(InetAddress.getLoopbackAddress())
                .hostName("tls.test").messageHandlerFactory(this::handler);
        if (mode != Mode.PLAIN) {
            b.enableTLS().startTlsSocketFactory(socket -> {
                if (mode == Mode.BREAK_HANDSHAKE) {
                    synchronized (this) {
                        handshakesBroken++;
                    }
                    socket.close();
                    throw new IOException("handshake broken on purpose");
                }
                InetSocketAddress remote = (InetSocketAddress) socket.getRemoteSocketAddress();
                SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(socket, remote.getHostString(),
                        socket.getPort(), true);
                s.setUseClientMode(false);
                if (mode == Mode.OFFER_TLS12) {
                    s.setEnabledProtocols(new String[] {"TLSv1.2"});
                }
                s.addHandshakeCompletedListener(e -> record(e.getSession()));
                return s;
            });
        }
        this.server = b.build();
    }

    public static TlsSmtpServer start(SSLContext tls, Mode mode) {
        TlsSmtpServer s = new TlsSmtpServer(tls, mode);
        s.server.start();
        return s;
    }

    public int port() {
        return server.getPortAllocated();
    }

    private synchronized void record(SSLSession session) {
        sessions.add(session);
    }

    private MessageHandler handler(MessageContext context) {
        return new MessageHandler() {
            private String from;

            @Override
            public void from(String address) {
                synchronized (TlsSmtpServer.this) {
                    mailCommands++;
                }
                from = address;
            }

            @Override
            public void recipient(String recipient) {
            }

            @Override
            public String data(InputStream data) throws IOException {
                data.readAllBytes();
                boolean tls = context instanceof Session s && s.isTLSStarted();
                synchronized (TlsSmtpServer.this) {
                    messages.add(new Message(from, tls));
                    TlsSmtpServer.this.notifyAll();
                }
                return null;
            }

            @Override
            public void done() {
            }
        };
    }

    public synchronized List<Message> awaitMessages(int n, Duration timeout) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (messages.size() < n && System.currentTimeMillis() < deadline) {
            wait(Math.max(1, deadline - System.currentTimeMillis()));
        }
        return List.copyOf(messages);
    }

    public synchronized List<Message> messages() {
        return List.copyOf(messages);
    }

    /** MAIL FROM commands received, whether or not a message followed. */
    public synchronized int mailCommands() {
        return mailCommands;
    }

    public synchronized int handshakesBroken() {
        return handshakesBroken;
    }

    /** The server side of each completed handshake, in order. */
    public synchronized List<SSLSession> sessions() {
        return List.copyOf(sessions);
    }

    @Override
    public void close() {
        server.stop();
    }
}
