package org.caravan.broker;

import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import org.caravan.config.TrafficPriority;

/**
 * The fairness bound of one delivery consumer (one session, one thread): every k-th message it
 * takes is taken first through a second consumer on the same session whose selector sees only
 * bulk ({@code JMSPriority < bulk-below}), so bulk gets at least one send in k while it waits,
 * however much higher-priority mail the broker would otherwise hand out first. When no bulk
 * waits, that turn goes to the queue's first message as usual: the share is a floor, not a quota.
 *
 * <p>The bulk consumer may hold bulk the broker pushed to it ahead (its consumer window); so that
 * such mail never waits for the plain consumer to run dry, a turn on which the plain consumer
 * found nothing asks the bulk consumer next, and the bulk consumer keeps going first until it too
 * has nothing. Both consumers share the session, so their messages commit in the same batch.
 */
final class BulkTurns {

    private final Session session;
    private final MessageConsumer bulk;
    private final int every;
    private int turn;
    private boolean plainEmpty;

    private BulkTurns(Session session, MessageConsumer bulk, int every) {
        this.session = session;
        this.bulk = bulk;
        this.every = every;
    }

    /** The bulk turns of a session on queue, or null when priority gives bulk no share. */
    static BulkTurns open(Session session, String queue, TrafficPriority priority) throws JMSException {
        if (priority == null || priority.bulkEvery() == 0 || queue == null) {
            return null;
        }
        return new BulkTurns(session, session.createConsumer(session.createQueue(queue), priority.bulkSelector()),
                priority.bulkEvery());
    }

    boolean of(Session s) {
        return s == session;
    }

    /** Bulk for this turn if it is bulk's turn (or the plain consumer ran dry) and some waits; else null. */
    Message bulkFirst() throws JMSException {
        turn++;
        if (!plainEmpty && turn % every != 0) {
            return null;
        }
        Message m = bulk.receiveNoWait();
        if (m == null) {
            plainEmpty = false;
        }
        return m;
    }

    /** What the plain consumer gave; when nothing, the bulk consumer's next (if any), and it goes first from now. */
    Message afterPlain(Message plain) throws JMSException {
        if (plain != null) {
            return plain;
        }
        Message m = bulk.receiveNoWait();
        plainEmpty = m != null;
        return m;
    }

    void close() {
        try {
            bulk.close();
        } catch (JMSException | RuntimeException ignored) {
            // the session is closing with it
        }
    }
}
