package org.caravan.smtp;

import java.util.Properties;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.apache.camel.component.mail.JavaMailSender;
import org.apache.camel.component.mail.MailAuthenticator;
import org.caravan.routing.NextHop;

/**
 * camel-mail's sender replaced by one that keeps connections open (through the policy's pool),
 * sends to the explicit envelope, tries the next MX when a host cannot be reached, refuses the
 * session or cannot take the message, and writes
 * the server's reply for each recipient into the OutboundMessage instead of throwing: deciding
 * what a reply means is the outcome stage's job, and an exception here would roll back the
 * broker transaction and redeliver a message the server may have taken.
 */
public final class PooledSmtpSender implements JavaMailSender {

    private final SmtpConnectionPool pool;
    private final Session session;
    private final Pacer pace;
    private final Pacer wire;
    private final MessageRateGate gate;

    /**
     * @param pace the line's max-msg-rate pacer; the sender paces the bodies with a twin of it and
     *             holds every window of the rate's unit to its count with a gate on the same rate
     */
    public PooledSmtpSender(SmtpConnectionPool pool, Session session, Pacer pace) {
        this.pool = pool;
        this.session = session;
        this.pace = pace;
        this.wire = pace.twin();
        this.gate = new MessageRateGate(pace::rate);
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
        Admissions admissions = new Admissions();
        try {
            SmtpReply failure = null;
            for (NextHop hop : message.nextHops()) {
                SmtpReply refused = sendVia(hop, message, admissions);
                if (refused == null) {
                    return;
                }
                failure = worse(failure, refused);
            }
            message.clearReplies();
            message.replyToRest(failure != null ? failure : SmtpReply.connectionFailure("no next hop"));
        } finally {
            admissions.release();
        }
    }

    /**
     * Paces one message's transactions. The route's pace step took the first one's cell of the
     * line's pacer; each later one (its recipients split over several) takes its own, since the
     * server counts each. After the 354 every body takes a cell of the wire pacer, so the variable
     * time of connecting and of the commands before it stays out of the spacing the server sees,
     * and then the rate gate's admission, which it holds until the transaction is answered.
     */
    private final class Admissions implements SmtpTransaction.Admission {

        private boolean holding;
        /** Time spent waiting for the pacers and the gate: not the server's, kept out of the transaction's latency. */
        private long waitedNanos;

        @Override
        public boolean next() {
            return admitted(pace);
        }

        @Override
        public boolean body() {
            release();
            if (!admitted(wire)) {
                return false;
            }
            long start = System.nanoTime();
            try {
                holding = gate.acquire();
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                waitedNanos += System.nanoTime() - start;
            }
        }

        /** The transaction the gate admitted is over (answered or failed). */
        void release() {
            if (holding) {
                holding = false;
                gate.done();
            }
        }

        private boolean admitted(Pacer pacer) {
            long start = System.nanoTime();
            try {
                pacer.take();
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                waitedNanos += System.nanoTime() - start;
            }
        }
    }

    /**
     * When no hop took the message: a 5xx only if every hop refused it permanently; one hop that
     * failed for now (4xx, unreachable) makes it a deferral, since it may take the message later.
     */
    private static SmtpReply worse(SmtpReply sofar, SmtpReply next) {
        if (sofar == null || next.isTransient()) {
            return next;
        }
        return sofar.isTransient() ? sofar : next;
    }

    /**
     * One next hop; null when the server answered for every recipient, else why this hop did not
     * (unreachable, refused the session, cannot take the message). A pooled connection found dead
     * before MAIL FROM was accepted is replaced by a fresh one once; nothing later is re-sent here.
     */
    private SmtpReply sendVia(NextHop hop, OutboundMessage message, Admissions admissions) {
        for (int tries = 0; ; tries++) {
            SmtpConnection connection;
            try {
                connection = pool.borrow(hop, message.tlsDemand());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return SmtpReply.connectionFailure("interrupted while waiting for a connection");
            } catch (SmtpRefusedException e) {
                return e.reply();
            } catch (MessagingException e) {
                return SmtpReply.connectionFailure(hop + ": " + SmtpTransaction.rootMessage(e));
            }
            boolean reused = connection.messagesSent > 0;
            message.clearReplies();
            long start = System.nanoTime();
            long waitedBefore = admissions.waitedNanos;
            SmtpTransaction.Result result = SmtpTransaction.send(connection, message, pool.settings(), admissions);
            long took = System.nanoTime() - start - (admissions.waitedNanos - waitedBefore);
            connection.messagesSent += Math.max(0, result.transactions() - 1);
            pool.release(connection, result.reusable());
            switch (result.ending()) {
                case ANSWERED -> {
                    pool.events().transaction(took);
                    message.answeredBy(hop.toString());
                    message.tls(connection.tls);
                    return null;
                }
                case DEAD_BEFORE_MAIL -> {
                    if (!reused || tries > 0) {
                        return result.failure();
                    }
                }
                default -> {
                    return result.failure();
                }
            }
        }
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
