package org.caravan.smtp;

import java.time.Duration;

import org.caravan.config.DomainPolicy;

/**
 * How long the client waits at each SMTP phase (RFC 5321 4.5.3.2) and how much it takes from a
 * server, for one (vmta, policy). Every wait is bounded: a server that stops answering, stops
 * reading or drips reply lines cannot hold a consumer longer than these allow.
 *
 * @param connect TCP connect and the whole greeting, continuation lines included
 * @param read the reply to EHLO/HELO, MAIL, RCPT and RSET
 * @param data the 354 after DATA
 * @param dataBlock each write to the server (the body above all)
 * @param dataDone the reply to the final dot
 * @param transaction one whole transaction, MAIL to the last reply; enforced by closing the socket
 * @param maxRcptPerTransaction recipients per MAIL transaction; more go in following transactions
 * @param maxReplyLines lines in one reply; a longer reply ends the session
 */
public record SmtpSettings(Duration connect, Duration read, Duration data, Duration dataBlock, Duration dataDone,
        Duration transaction, int maxRcptPerTransaction, int maxReplyLines) {

    /** Bytes of one reply at most: RFC 5321 4.5.3.1.5 allows 512 per line, so 100 lines fit twice over. */
    static final int MAX_REPLY_BYTES = 64 * 1024;

    public static SmtpSettings of(DomainPolicy p) {
        return new SmtpSettings(p.connectTimeout(), p.readTimeout(), p.dataTimeout(), p.dataBlockTimeout(),
                p.dataDoneTimeout(), p.transactionTimeout(), p.maxRcptPerTransaction(), p.maxReplyLines());
    }

    /** The policy defaults with these connect and read timeouts. */
    public static SmtpSettings withTimeouts(Duration connect, Duration read) {
        SmtpSettings d = of(org.caravan.config.Defaults.policy());
        return new SmtpSettings(connect, read, d.data(), d.dataBlock(), d.dataDone(), d.transaction(),
                d.maxRcptPerTransaction(), d.maxReplyLines());
    }
}
