package org.caravan.console;

import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.filter.impl.FilterImpl;
import org.apache.activemq.artemis.core.server.Queue;
import org.caravan.broker.QueueDepths;
import org.caravan.delivery.Delivery;
import org.caravan.delivery.DeliveryAttempt;
import org.caravan.delivery.DeliveryHeaders;
import org.caravan.outcome.AccountingLog;
import org.caravan.outcome.BounceCategory;
import org.caravan.outcome.DeliveryOutcome;
import org.caravan.outcome.OutcomeRecorder;
import org.caravan.outcome.OutcomeType;
import org.caravan.smtp.SmtpReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jms.connection.SingleConnectionFactory;

/**
 * Removes the matching mail of one delivery queue, keeping Caravan's first rule: a message
 * leaves the broker only once its outcome is recorded. The matching messages (scheduled retries
 * included) are first moved aside onto {@value #ASIDE}, while the queue is held paused for a
 * moment so that its consumers take none of them; a paused queue delivers to no consumer, so the
 * move is also what makes a paused queue purgeable. Then they are consumed from there in
 * transactions of 100: one bounced outcome per recipient (category other, "purged by operator")
 * recorded, accounting synced, commit. A crash in between leaves them on {@value #ASIDE}, whose
 * mail the next purge (and {@link #finishInterrupted} at start) records and removes.
 */
final class QueuePurge {

    static final String ASIDE = "mail.purge";
    static final String REPLY_TEXT = "purged by operator";
    static final SmtpReply REPLY = new SmtpReply(550, "5.0.0", REPLY_TEXT);
    private static final Logger LOG = LoggerFactory.getLogger(QueuePurge.class);
    private static final String DEAD_LETTERS = "mail.dead";
    private static final int MESSAGES_PER_COMMIT = 100;
    private static final long RECEIVE_WAIT_MS = 250;
    /** How long a purge waits for moved mail to show up on mail.purge; what is left, the next purge takes. */
    private static final java.time.Duration DRAIN_LIMIT = java.time.Duration.ofSeconds(30);

    /** What a purge removed: messages, and the recipients recorded as bounced. */
    record Result(int messages, int recipients) {
    }

    private final QueueDepths depths;
    private final ConnectionFactory connections;
    private final OutcomeRecorder outcomes;
    private final AccountingLog accounting;

    QueuePurge(QueueDepths depths, ConnectionFactory connections, OutcomeRecorder outcomes, AccountingLog accounting) {
        this.depths = depths;
        // Spring's caching factory would keep the consumer open on mail.purge after the purge
        this.connections = connections instanceof SingleConnectionFactory shared
                && shared.getTargetConnectionFactory() != null ? shared.getTargetConnectionFactory() : connections;
        this.outcomes = outcomes;
        this.accounting = accounting;
    }

    /** One purge at a time: each drains all of mail.purge, so two at once would count each other's mail. */
    synchronized Result purge(Queue queue, String selector) throws Exception {
        try (Connection c = connections.createConnection();
                Session s = c.createSession(true, Session.SESSION_TRANSACTED)) {
            // the consumer first: it creates mail.purge, which must exist before anything is moved there
            MessageConsumer aside = s.createConsumer(s.createQueue(ASIDE));
            Queue asideQueue = depths.queue(ASIDE);
            long leftover = asideQueue == null ? 0 : asideQueue.getMessageCount();
            int moved = moveAside(queue, selector);
            c.start();
            return drain(s, aside, leftover + moved);
        }
    }

    /** At start: mail a purge had moved aside when the engine stopped is purged as the operator asked. */
    synchronized void finishInterrupted() throws Exception {
        Queue asideQueue = depths.queue(ASIDE);
        if (asideQueue == null || asideQueue.getMessageCount() == 0) {
            return;
        }
        try (Connection c = connections.createConnection();
                Session s = c.createSession(true, Session.SESSION_TRANSACTED)) {
            MessageConsumer aside = s.createConsumer(s.createQueue(ASIDE));
            c.start();
            Result done = drain(s, aside, asideQueue.getMessageCount());
            LOG.info("{}: finished an interrupted purge: {} messages, {} recipients recorded as purged", ASIDE,
                    done.messages(), done.recipients());
        }
    }

    /** Moves the matching mail onto mail.purge; returns how many messages were moved. */
    private static int moveAside(Queue queue, String selector) throws Exception {
        boolean wasPaused = queue.isPaused();
        if (!wasPaused) {
            queue.pause(false); // not persisted: only for the moment of the move
        }
        try {
            queue.deliverScheduledMessages(selector);
            return queue.moveReferences(MESSAGES_PER_COMMIT, FilterImpl.createFilter(selector), SimpleString.of(ASIDE),
                    false, null);
        } finally {
            if (!wasPaused) {
                queue.resume();
            }
        }
    }

    /** Consumes mail.purge until at least expected messages came and nothing more waits there. */
    private Result drain(Session s, MessageConsumer aside, long expected) throws Exception {
        int messages = 0;
        int recipients = 0;
        int uncommitted = 0;
        List<DeliveryOutcome> batch = new ArrayList<>();
        long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
        while (true) {
            Message m = aside.receive(RECEIVE_WAIT_MS);
            if (m == null) {
                boolean more = waiting(uncommitted); // first: it makes moved retries due
                if ((messages >= expected && !more) || System.nanoTime() > deadline) {
                    break;
                }
                continue;
            }
            List<DeliveryOutcome> purged = outcomesOf(m, s);
            batch.addAll(purged);
            recipients += purged.size();
            messages++;
            if (++uncommitted == MESSAGES_PER_COMMIT) {
                commit(s, batch);
                uncommitted = 0;
            }
        }
        commit(s, batch);
        return new Result(messages, recipients);
    }

    /**
     * Whether mail.purge still holds mail this purge has not received: its count less what this
     * session received and has not yet committed. (Not the broker's delivering count: that
     * includes messages already dispatched into this consumer's buffer but not yet received.) A
     * moved retry keeps its scheduled time, and it reaches mail.purge's schedule only once the
     * move's commit completes: it is made due here, as often as one shows up.
     */
    private boolean waiting(int uncommitted) throws Exception {
        Queue asideQueue = depths.queue(ASIDE);
        if (asideQueue == null) {
            return false;
        }
        asideQueue.deliverScheduledMessages();
        return asideQueue.getMessageCount() - uncommitted > 0;
    }

    /** Records the batch, waits until accounting holds it on disk, and only then acks its messages. */
    private void commit(Session s, List<DeliveryOutcome> batch) throws JMSException {
        outcomes.record(batch);
        accounting.awaitDurable();
        s.commit();
        batch.clear();
    }

    /** The message as it was (body and properties) with the reason it was parked. */
    private static Message parked(Message m, Session s, RuntimeException why) throws JMSException {
        BytesMessage copy = s.createBytesMessage();
        if (m instanceof BytesMessage bytes) {
            byte[] body = new byte[(int) bytes.getBodyLength()];
            bytes.readBytes(body);
            copy.writeBytes(body);
        }
        for (Enumeration<?> names = m.getPropertyNames(); names.hasMoreElements();) {
            String name = (String) names.nextElement();
            if (!name.startsWith("JMSX")) {
                copy.setObjectProperty(name, m.getObjectProperty(name));
            }
        }
        copy.setStringProperty(DeliveryAttempt.REASON, "unreadable delivery message at purge: " + why);
        return copy;
    }

    /** One bounced outcome per recipient; a message that cannot be read is parked on mail.dead instead. */
    private static List<DeliveryOutcome> outcomesOf(Message m, Session s) throws JMSException {
        Delivery d;
        try {
            d = DeliveryHeaders.read(new byte[0], m);
        } catch (RuntimeException unreadable) {
            s.createProducer(s.createQueue(DEAD_LETTERS)).send(parked(m, s, unreadable));
            LOG.warn("{}: an unreadable message ({}) parked on mail.dead", ASIDE, unreadable.toString());
            return List.of();
        }
        long now = System.currentTimeMillis();
        List<DeliveryOutcome> out = new ArrayList<>(d.recipients().size());
        for (String rcpt : d.recipients()) {
            out.add(new DeliveryOutcome(OutcomeType.BOUNCED, rcpt, d.domain(), d.policy(), d.vmta(), d.jobId(),
                    d.envId(), d.messageId(), d.mailFrom(), d.attempt(), REPLY, "", BounceCategory.OTHER,
                    d.queuedAt(), now));
        }
        return out;
    }
}
