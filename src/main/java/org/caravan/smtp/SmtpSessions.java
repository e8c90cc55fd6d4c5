package org.caravan.smtp;

import java.time.Duration;
import java.util.Properties;

import jakarta.mail.Session;

/** Builds the Angus session a pool connects with: timeouts always set (Angus' default is to wait forever). */
public final class SmtpSessions {

    /** How long closing a connection waits for the server to hang up (it normally does at once). */
    static final int HANG_UP_WAIT_MILLIS = 1000;

    private SmtpSessions() {
    }

    public static Session create(String ehlo, String sourceHost, Duration connectTimeout, Duration readTimeout) {
        Properties p = new Properties();
        p.setProperty("mail.smtp.connectiontimeout", Long.toString(connectTimeout.toMillis()));
        p.setProperty("mail.smtp.timeout", Long.toString(readTimeout.toMillis()));
        p.setProperty("mail.smtp.sendpartial", "true");
        // QUIT without waiting for the answer here: the socket's close waits for the hang-up instead
        p.setProperty("mail.smtp.quitwait", "false");
        p.put("mail.smtp.socketFactory", new OrderlyCloseSockets(HANG_UP_WAIT_MILLIS));
        p.setProperty("mail.smtp.socketFactory.fallback", "false");
        if (ehlo != null) {
            p.setProperty("mail.smtp.localhost", ehlo);
        }
        if (sourceHost != null) {
            p.setProperty("mail.smtp.localaddress", sourceHost);
        }
        return Session.getInstance(p);
    }
}
