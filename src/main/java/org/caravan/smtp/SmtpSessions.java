package org.caravan.smtp;

import java.time.Duration;
import java.util.Properties;

import jakarta.mail.Session;

/** Builds the Angus session a pool connects with: timeouts always set (Angus' default is to wait forever). */
public final class SmtpSessions {

    private SmtpSessions() {
    }

    public static Session create(String ehlo, String sourceHost, Duration connectTimeout, Duration readTimeout) {
        Properties p = new Properties();
        p.setProperty("mail.smtp.connectiontimeout", Long.toString(connectTimeout.toMillis()));
        p.setProperty("mail.smtp.timeout", Long.toString(readTimeout.toMillis()));
        p.setProperty("mail.smtp.sendpartial", "true");
        // QUIT without waiting for the answer: the pool closes connections on the delivery thread
        p.setProperty("mail.smtp.quitwait", "false");
        if (ehlo != null) {
            p.setProperty("mail.smtp.localhost", ehlo);
        }
        if (sourceHost != null) {
            p.setProperty("mail.smtp.localaddress", sourceHost);
        }
        return Session.getInstance(p);
    }
}
