package org.caravan.smtp;

import java.time.Duration;
import java.util.Properties;

import jakarta.mail.Session;

/**
 * Builds the Angus session a pool connects with. It carries what the pool needs: the EHLO name,
 * the source address, the phase timeouts and limits, and the name of the delivery line (for
 * health and logs). Sockets are our own (SmtpConnector), so Angus' socket properties are unused.
 */
public final class SmtpSessions {

    static final String EHLO = "mail.smtp.localhost";
    static final String SOURCE_HOST = "mail.smtp.localaddress";
    private static final String SETTINGS = "caravan.smtp.settings";
    private static final String LINE = "caravan.smtp.line";
    private static final String TLS = "caravan.smtp.tls";

    private SmtpSessions() {
    }

    /**
     * A session for one delivery line. A null ehlo means the host's own name ({@link EhloName});
     * when the host has none, each connection names its address ("[192.0.2.1]").
     */
    public static Session create(String line, String ehlo, String sourceHost, SmtpSettings settings) {
        Properties p = new Properties();
        // QUIT without waiting for the answer here: the socket's close waits for the hang-up instead
        p.setProperty("mail.smtp.quitwait", "false");
        String name = ehlo != null ? ehlo : EhloName.ofHost();
        if (name != null) {
            p.setProperty(EHLO, name);
        }
        if (sourceHost != null) {
            p.setProperty(SOURCE_HOST, sourceHost);
        }
        p.put(SETTINGS, settings);
        p.setProperty(LINE, line);
        return Session.getInstance(p);
    }

    /** A session outside any delivery line, with the built-in phase timeouts except connect and read. */
    public static Session create(String ehlo, String sourceHost, Duration connectTimeout, Duration readTimeout) {
        return create("unnamed", ehlo, sourceHost, SmtpSettings.withTimeouts(connectTimeout, readTimeout));
    }

    static SmtpSettings settings(Session session) {
        return (SmtpSettings) session.getProperties().get(SETTINGS);
    }

    static String line(Session session) {
        return session.getProperty(LINE);
    }

    /**
     * Gives a session its line's STARTTLS policy. Angus layers TLS with its socket factory; its own
     * name check is off, since the factory checks names when the level says so (tls-verify).
     */
    public static void startTls(Session session, StartTls tls) {
        Properties p = session.getProperties();
        p.put(TLS, tls);
        p.put("mail.smtp.ssl.socketFactory", tls.socketFactory());
        p.setProperty("mail.smtp.ssl.checkserveridentity", "false");
    }

    /** The session's STARTTLS policy; a session built without one gets opportunistic TLS. */
    static synchronized StartTls startTls(Session session) {
        StartTls tls = (StartTls) session.getProperties().get(TLS);
        if (tls == null) {
            tls = StartTls.opportunistic();
            startTls(session, tls);
        }
        return tls;
    }

    /** The name the line's connections give in EHLO, or null for the connection's address literal. */
    public static String ehloName(Session session) {
        return session.getProperty(EHLO);
    }
}
