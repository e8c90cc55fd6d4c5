package org.caravan.smtp;

import jakarta.mail.MessagingException;

/** A server that answered but would not hold a session: a 4xx/5xx greeting, or HELO refused. */
final class SmtpRefusedException extends MessagingException {

    private static final long serialVersionUID = 1L;

    private final transient SmtpReply reply;

    SmtpRefusedException(SmtpReply reply) {
        super("session refused: " + reply);
        this.reply = reply;
    }

    SmtpReply reply() {
        return reply;
    }
}
