package org.caravan.smtp;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import jakarta.mail.MessagingException;

/**
 * Sends one message over one open connection, command by command, and records a reply for every
 * recipient. What a failure means depends on the stage it happened in:
 * <ul>
 * <li>before MAIL FROM was accepted, a connection that turned out dead (closed, reset) sent
 *     nothing: {@link Ending#DEAD_BEFORE_MAIL}, and the sender may try again on a fresh one;</li>
 * <li>from then on every reply, 421 included, and every missing reply (timeout, drop mid-DATA,
 *     silence after the final dot) is the answer for each recipient not yet answered: the message
 *     may have been taken, so only the delivery schedule may send it again.</li>
 * </ul>
 * Recipients go max-rcpt-per-transaction at a time; a 452 to RCPT once one was accepted means the
 * server's own limit, and the rest follow in the next transaction on the same connection.
 */
final class SmtpTransaction {

    enum Ending {
        /** Every recipient has its reply. */
        ANSWERED,
        /** A reused connection was dead before anything was accepted; nothing was sent. */
        DEAD_BEFORE_MAIL,
        /** The server cannot take this message (too big, 8-bit without 8BITMIME); nothing was sent. */
        CANNOT_TAKE
    }

    /** How it went: the reply when nothing was sent, and whether the connection may be used again. */
    record Result(Ending ending, SmtpReply failure, boolean reusable, int transactions) {
    }

    /** Paces the transactions against max-msg-rate (the server counts each as a message). */
    interface Admission {
        /** Blocks until a transaction after the message's first may start; false when interrupted. */
        boolean next();

        /** Blocks, after the 354, until this transaction's body may go; false when interrupted. */
        boolean body();
    }

    private final SmtpClient client;
    private final SmtpSettings settings;
    private final OutboundMessage message;
    private final String hop;
    private final Deque<String> pending;
    private final Admission admission;
    private boolean reusable = true;
    private int transactions;
    private boolean lastWasDead;
    private String lastFailure = "";

    private SmtpTransaction(SmtpConnection connection, OutboundMessage message, SmtpSettings settings,
            Admission admission) {
        this.admission = admission;
        this.client = connection.client;
        this.settings = settings;
        this.message = message;
        this.hop = connection.hop.toString();
        this.pending = new ArrayDeque<>(message.recipients());
        pending.removeIf(message.replies()::containsKey);
    }

    static Result send(SmtpConnection connection, OutboundMessage message, SmtpSettings settings,
            Admission admission) {
        return new SmtpTransaction(connection, message, settings, admission).run();
    }

    private Result run() {
        SmtpReply refusal = serverCannotTake();
        if (refusal != null) {
            return new Result(Ending.CANNOT_TAKE, refusal, true, 0);
        }
        String mail = mailCommand();
        for (boolean first = true; !pending.isEmpty(); first = false) {
            if (!first && !admission.next()) {
                settle(SmtpReply.connectionFailure("interrupted while waiting for the message rate"));
                break;
            }
            List<String> batch = new ArrayList<>();
            while (batch.size() < settings.maxRcptPerTransaction() && !pending.isEmpty()) {
                batch.add(pending.pollFirst());
            }
            client.socket().startTransaction(settings.transaction());
            try {
                if (!transaction(mail, batch)) {
                    return new Result(Ending.DEAD_BEFORE_MAIL, noAnswer(), false, 0);
                }
            } finally {
                client.socket().endTransaction();
            }
        }
        return new Result(Ending.ANSWERED, null, reusable, transactions);
    }

    /** SIZE and 8BITMIME as the server advertised them (RFC 1870, RFC 6152); null when it can take the message. */
    private SmtpReply serverCannotTake() {
        long limit = sizeLimit();
        if (limit > 0 && message.raw().length > limit) {
            return new SmtpReply(552, "5.3.4", "message size " + message.raw().length
                    + " exceeds the fixed maximum message size of " + limit + " at " + hop);
        }
        if (message.eightBit() && !client.supportsExtension("8BITMIME")) {
            // RFC 6152 sec 3: return it rather than re-encode the bytes (which would break DKIM signatures)
            return new SmtpReply(554, "5.6.3", "8-bit message and " + hop
                    + " does not offer 8BITMIME; conversion not supported");
        }
        return null;
    }

    private long sizeLimit() {
        String size = client.getExtensionParameter("SIZE");
        if (size == null || !size.strip().matches("\\d{1,18}")) {
            return 0; // not advertised, or without a limit
        }
        return Long.parseLong(size.strip());
    }

    private String mailCommand() {
        String from = message.getEnvelopeFrom();
        StringBuilder cmd = new StringBuilder("MAIL FROM:").append(from.startsWith("<") ? from : "<" + from + ">");
        if (message.eightBit()) {
            cmd.append(" BODY=8BITMIME");
        }
        if (client.supportsExtension("SIZE")) {
            cmd.append(" SIZE=").append(message.raw().length);
        }
        return cmd.toString();
    }

    /** One MAIL transaction for the batch; false when the connection was dead before anything was accepted. */
    private boolean transaction(String mail, List<String> batch) {
        message.at(SmtpStage.MAIL);
        SmtpReply reply = command(mail, "MAIL FROM", settings.read());
        if (reply == null && lastWasDead && transactions == 0) {
            return false;
        }
        if (reply == null || !reply.isPositive()) {
            settle(reply == null ? noAnswer() : reply);
            return true;
        }
        transactions++;
        List<String> accepted = recipients(batch);
        if (accepted == null) {
            return true;
        }
        if (accepted.isEmpty()) {
            reset();
            return true;
        }
        data(accepted);
        return true;
    }

    /** RCPT TO for each; the accepted ones, or null when the session ended. */
    private List<String> recipients(List<String> batch) {
        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            String rcpt = batch.get(i);
            message.at(SmtpStage.RCPT);
            SmtpReply reply = command("RCPT TO:<" + rcpt + ">", "RCPT TO", settings.read());
            if (reply == null || reply.code() == 421) {
                settle(reply == null ? noAnswer() : reply);
                return null;
            }
            if (reply.isPositive()) {
                accepted.add(rcpt);
            } else if (reply.code() == 452 && !accepted.isEmpty()) {
                // the server's recipient limit: the rest go in the next transaction, at once
                List<String> rest = batch.subList(i, batch.size());
                for (int k = rest.size() - 1; k >= 0; k--) {
                    pending.addFirst(rest.get(k));
                }
                break;
            } else {
                message.reply(rcpt, reply);
            }
        }
        return accepted;
    }

    private void data(List<String> accepted) {
        message.at(SmtpStage.DATA);
        SmtpReply reply = command("DATA", "DATA", settings.data());
        if (reply == null || reply.code() == 421) {
            settle(reply == null ? noAnswer() : reply);
            return;
        }
        if (reply.code() != 354) {
            accepted.forEach(r -> message.reply(r, reply));
            reset();
            return;
        }
        if (!admission.body()) {
            settle(SmtpReply.connectionFailure("interrupted while waiting for the message rate"));
            return;
        }
        message.at(SmtpStage.END_OF_DATA);
        try {
            client.writeBodyAndEnd(message.raw());
        } catch (IOException e) {
            settle(SmtpReply.connectionFailure(hop + ": connection lost during DATA: " + rootMessage(e)));
            return;
        }
        SmtpReply done = exchange("the end of data", () -> client.reply("the end of data", settings.dataDone()));
        if (done == null) {
            settle(SmtpReply.connectionFailure(hop + ": no reply to the end of data (the message may have been"
                    + " delivered): " + lastFailure));
            return;
        }
        accepted.forEach(r -> message.reply(r, done));
        if (done.code() == 421) {
            settle(done);
        }
    }

    /** RSET after a transaction that ended before its data; a failed RSET ends the session. */
    private void reset() {
        SmtpReply reply = command("RSET", "RSET", settings.read());
        if (reply == null || reply.code() == 421) {
            settle(reply == null ? noAnswer() : reply);
        }
    }

    /** The session is over or the transaction failed as a whole: this reply for everyone not yet answered. */
    private void settle(SmtpReply reply) {
        message.replyToRest(reply);
        pending.clear();
        if (reply.code() == 0 || reply.code() == 421) {
            reusable = false;
        }
    }

    /** The reply, or null when none came (see lastFailure, lastWasDead). */
    private SmtpReply command(String command, String what, Duration timeout) {
        return exchange(what, () -> client.command(command, what, timeout));
    }

    /** One round trip with the server: its reply code, or -1 when it closed the connection instead. */
    private interface RoundTrip {
        int code() throws MessagingException;
    }

    private SmtpReply exchange(String what, RoundTrip roundTrip) {
        try {
            int code = roundTrip.code();
            if (code > 0) {
                return SmtpReply.parse(code, client.getLastServerResponse());
            }
            lastWasDead = true;
            lastFailure = what + ": connection closed without a reply";
        } catch (MessagingException e) {
            Throwable root = root(e);
            lastWasDead = !(root instanceof SocketTimeoutException) && client.socket().abortedBecause() == null;
            lastFailure = what + ": " + rootMessage(e);
        }
        reusable = false;
        return null;
    }

    private SmtpReply noAnswer() {
        return SmtpReply.connectionFailure(hop + ": " + lastFailure);
    }

    private static Throwable root(Throwable e) {
        Throwable t = e;
        while (true) {
            Throwable next = t instanceof MessagingException m && m.getNextException() != null ? m.getNextException()
                    : t.getCause();
            if (next == null || next == t) {
                return t;
            }
            t = next;
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = root(e);
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
