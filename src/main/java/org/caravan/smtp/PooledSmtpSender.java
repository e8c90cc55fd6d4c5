package org.caravan.smtp;

import java.io.IOException;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;

import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.apache.camel.component.mail.JavaMailSender;
import org.apache.camel.component.mail.MailAuthenticator;
import org.caravan.routing.NextHop;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;

/**
 * camel-mail's sender replaced by one that keeps connections open (through the policy's pool),
 * sends to the explicit envelope, tries the next MX when a host cannot be reached, and writes
 * the server's reply for each recipient into the OutboundMessage instead of throwing: deciding
 * what a reply means is the outcome stage's job, and an exception here would roll back the
 * broker transaction and redeliver a message the server may have taken.
 */
public final class PooledSmtpSender implements JavaMailSender {

    private final SmtpConnectionPool pool;
    private final Session session;
    private final MessageRateGate gate;

    public PooledSmtpSender(SmtpConnectionPool pool, Session session, MessageRateGate gate) {
        this.pool = pool;
        this.session = session;
        this.gate = gate;
    }

    @Override
    public void send(MimeMessage mimeMessage) throws MessagingException {
        if (!(mimeMessage instanceof OutboundMessage message)) {
            throw new MessagingException("the delivery route must hand an OutboundMessage to smtp:, got "
                    + mimeMessage.getClass().getName());
        }
        if (message.replies().size() == message.recipients().size()) {
            return; // already settled before SMTP (next hop lookup failed)
        }
        boolean gated;
        try {
            gated = gate.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            message.replyToRest(SmtpReply.connectionFailure("interrupted while waiting for the message rate"));
            return;
        }
        try {
            SmtpReply failure = SmtpReply.connectionFailure("no next hop");
            for (NextHop hop : message.nextHops()) {
                failure = sendVia(hop, message);
                if (failure == null) {
                    return;
                }
            }
            message.clearReplies();
            message.replyToRest(failure);
        } finally {
            if (gated) {
                gate.done();
            }
        }
    }

    /** One next hop, with one retry on a fresh connection if a pooled one turned out dead; null when answered. */
    private SmtpReply sendVia(NextHop hop, OutboundMessage message) {
        SmtpReply failure = null;
        for (int tries = 0; tries < 2; tries++) {
            SmtpConnection connection;
            try {
                connection = pool.borrow(hop);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return SmtpReply.connectionFailure("interrupted while waiting for a connection");
            } catch (MessagingException e) {
                return SmtpReply.connectionFailure(hop + ": " + rootMessage(e));
            }
            boolean reused = connection.messagesSent > 0;
            message.clearReplies();
            try {
                connection.transport.sendMessage(message, message.envelopeRecipients());
                message.replyToRest(SmtpReply.parse(connection.transport.getLastReturnCode(),
                        connection.transport.getLastServerResponse()));
                message.answeredBy(hop.toString());
                pool.release(connection, true);
                return null;
            } catch (SendFailedException e) {
                if (!connectionLost(e)) {
                    int code = recordReplies(message, e);
                    message.answeredBy(hop.toString());
                    pool.release(connection, code != 421);
                    return null;
                }
                pool.release(connection, false);
                failure = SmtpReply.connectionFailure(hop + ": connection lost: " + rootMessage(e));
                if (!reused) {
                    return failure;
                }
            } catch (MessagingException e) {
                pool.release(connection, false);
                failure = SmtpReply.connectionFailure(hop + ": " + rootMessage(e));
                if (!reused) {
                    return failure;
                }
            }
        }
        return failure;
    }

    /** Per-address replies from the exception chain, then the command's reply for everyone else. */
    private static int recordReplies(OutboundMessage message, SendFailedException e) {
        Set<String> answered = new HashSet<>();
        int lastCode = 0;
        String lastText = e.getMessage();
        for (Exception next = e; next != null; next = next instanceof MessagingException m ? m.getNextException() : null) {
            if (next instanceof SMTPAddressFailedException af) {
                String rcpt = af.getAddress().getAddress();
                message.reply(rcpt, SmtpReply.parse(af.getReturnCode(), af.getMessage()));
                answered.add(rcpt);
                lastCode = af.getReturnCode();
                lastText = af.getMessage();
            }
        }
        int code = e instanceof SMTPSendFailedException sf ? sf.getReturnCode() : lastCode;
        String text = e instanceof SMTPSendFailedException ? e.getMessage() : lastText;
        message.replyToRest(SmtpReply.parse(code, text));
        return code;
    }

    /** The server went away mid-transaction: Angus reports EOF as reply code -1, or nests the IOException. */
    private static boolean connectionLost(SendFailedException e) {
        return e.getNextException() instanceof IOException
                || (e instanceof SMTPSendFailedException sf && sf.getReturnCode() < 0)
                || (e instanceof SMTPAddressFailedException af && af.getReturnCode() < 0);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    public SmtpConnectionPool pool() {
        return pool;
    }

    // What follows is camel-mail's configuration surface; the pool owns all of it.

    @Override
    public Properties getJavaMailProperties() {
        return session.getProperties();
    }

    @Override
    public void setJavaMailProperties(Properties javaMailProperties) {
        throw new UnsupportedOperationException("SMTP settings come from config/mta.yaml");
    }

    @Override
    public void addAdditionalJavaMailProperty(String key, String value) {
        throw new UnsupportedOperationException("SMTP settings come from config/mta.yaml");
    }

    @Override
    public void setHost(String host) {
        // next hops come from the message (route: or MX), not from the endpoint URI
    }

    @Override
    public String getHost() {
        return null;
    }

    @Override
    public void setPort(int port) {
        // as for setHost
    }

    @Override
    public int getPort() {
        return 0;
    }

    @Override
    public void setUsername(String username) {
    }

    @Override
    public String getUsername() {
        return null;
    }

    @Override
    public void setPassword(String password) {
    }

    @Override
    public String getPassword() {
        return null;
    }

    @Override
    public void setProtocol(String protocol) {
    }

    @Override
    public String getProtocol() {
        return "smtp";
    }

    @Override
    public void setSession(Session session) {
    }

    @Override
    public Session getSession() {
        return session;
    }

    @Override
    public void setAuthenticator(MailAuthenticator authenticator) {
    }

    @Override
    public MailAuthenticator getAuthenticator() {
        return null;
    }

}
