package org.caravan.smtp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

import jakarta.mail.MessagingException;
import org.caravan.config.Defaults;
import org.caravan.config.Durations;
import org.caravan.config.TlsLevel;
import org.caravan.config.TlsPolicy;
import org.caravan.routing.NextHop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * STARTTLS (RFC 3207) for one delivery line, per its TlsPolicy. One SSLContext per line and per
 * kind of check, kept for the line's life, so that JSSE's client session cache resumes sessions
 * with the same MX instead of a full handshake each connection. An MX whose handshake failed under
 * opportunistic TLS gets plain sessions for tls-fallback-for.
 */
public final class StartTls {

    private static final Logger LOG = LoggerFactory.getLogger(StartTls.class);

    private final TlsPolicy policy;
    private final Clock clock;
    /** Any certificate: may and encrypt protect against passive listeners only. */
    private final SSLContext encrypting;
    private final SSLContext verifying;
    private final Map<String, Instant> plainUntil = new ConcurrentHashMap<>();
    private final SSLSocketFactory layering = new Layering();

    public StartTls(TlsPolicy policy, TlsTrust trust, Clock clock) {
        this.policy = policy;
        this.clock = clock;
        this.encrypting = context(new TrustManager[] {new AnyCertificate()});
        this.verifying = context(trust.managers());
    }

    /** The built-in policy (opportunistic) over the JVM's roots, for sessions built without one. */
    static StartTls opportunistic() {
        return new StartTls(Defaults.TLS, TlsTrust.jvm(), Clock.systemUTC());
    }

    private static SSLContext context(TrustManager[] trust) {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, trust, null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JVM: " + e.getMessage(), e);
        }
    }

    /** The factory Angus layers the TLS socket with (its mail.smtp.ssl.socketFactory). */
    SSLSocketFactory socketFactory() {
        return layering;
    }

    /** The level a connection to hop gets: the line's, raised to what the message demands, plain while fallen back. */
    TlsLevel levelFor(NextHop hop, TlsLevel demanded) {
        TlsLevel level = policy.level().atLeast(demanded);
        if (level == TlsLevel.MAY) {
            Instant until = plainUntil.get(hop.tlsName());
            if (until != null && clock.instant().isBefore(until)) {
                return TlsLevel.NONE;
            }
        }
        return level;
    }

    /** Remembers that hop's MX failed the handshake: its next sessions go plain for tls-fallback-for. */
    void fellBack(NextHop hop, String line, String why) {
        Duration d = policy.fallbackFor();
        plainUntil.put(hop.tlsName(), clock.instant().plus(d));
        LOG.warn("{}: TLS handshake with {} ({}) failed: {}; sending in the clear to it for {}", line,
                hop.tlsName(), hop, why, Durations.format(d));
    }

    /**
     * After EHLO: STARTTLS as the level asks, then EHLO again (RFC 3207 4.2: the server forgets
     * what it said before). Null when the session stays plain. A required level the server does
     * not offer refuses the session with a deferral; a failed handshake throws TlsHandshakeFailed.
     */
    TlsDetails upgrade(SmtpClient client, NextHop hop, TlsLevel level, Duration timeout) throws MessagingException {
        if (level == TlsLevel.NONE) {
            return null;
        }
        if (!client.supportsExtension("STARTTLS")) {
            if (level.required()) {
                throw new SmtpRefusedException(new SmtpReply(451, "4.7.4",
                        "TLS is required, but was not offered by host " + hop.tlsName() + " (" + hop + ")"));
            }
            return null;
        }
        Handshake handshake = new Handshake(hop.tlsName(), level == TlsLevel.VERIFY);
        client.socket().handshake(handshake);
        try {
            client.startTls(timeout);
        } catch (MessagingException e) {
            throw new TlsHandshakeFailed(hop, SmtpTransaction.rootMessage(e), e);
        }
        client.ehloAgain();
        return TlsDetails.of(handshake.layer().getSession(), handshake.verify());
    }

    /** What the layering factory must do for one connection, and what it got. */
    static final class Handshake {

        private final String name;
        private final boolean verify;
        private SSLSocket layer;

        Handshake(String name, boolean verify) {
            this.name = name;
            this.verify = verify;
        }

        boolean verify() {
            return verify;
        }

        /** The TLS socket over ours once the handshake is done, else null. */
        SSLSocket layer() {
            return layer;
        }
    }

    /** The handshake failed (or the server refused STARTTLS): opportunistic TLS reconnects in the clear. */
    static final class TlsHandshakeFailed extends MessagingException {

        private static final long serialVersionUID = 1L;

        private final transient SmtpReply reply;

        TlsHandshakeFailed(NextHop hop, String why, Exception cause) {
            super("TLS handshake with " + hop.tlsName() + " failed: " + why, cause);
            this.reply = new SmtpReply(451, "4.7.5", "TLS with host " + hop.tlsName() + " (" + hop + ") failed: " + why);
        }

        SmtpReply reply() {
            return reply;
        }
    }

    /**
     * Layers TLS over our SmtpSocket, whose deadlines then bound the handshake too. Checks the
     * name (endpoint identification, RFC 6125 as for HTTPS) when the level is verify.
     */
    private final class Layering extends SSLSocketFactory {

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            SmtpSocket smtp = (SmtpSocket) s;
            Handshake h = smtp.handshake();
            SSLContext context = h.verify ? verifying : encrypting;
            // named after the MX: SNI and the session cache's key are the name, not the address
            SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(s, h.name, port, autoClose);
            ssl.setUseClientMode(true);
            if (h.verify) {
                SSLParameters p = ssl.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(p);
            }
            smtp.encrypted();
            h.layer = ssl;
            return ssl; // Angus handshakes next; handshaking here too would renegotiate under TLS 1.2
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return encrypting.getSocketFactory().getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return encrypting.getSocketFactory().getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            throw new IOException("STARTTLS only layers over an open SMTP session");
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
            throw new IOException("STARTTLS only layers over an open SMTP session");
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            throw new IOException("STARTTLS only layers over an open SMTP session");
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress local, int localPort)
                throws IOException {
            throw new IOException("STARTTLS only layers over an open SMTP session");
        }
    }

    /** tls-verify: none. Encryption without authentication, as Postfix's 'encrypt' level. */
    private static final class AnyCertificate extends X509ExtendedTrustManager {

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
