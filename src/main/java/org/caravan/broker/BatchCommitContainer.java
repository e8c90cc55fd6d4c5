package org.caravan.broker;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import org.apache.camel.component.jms.DefaultJmsMessageListenerContainer;
import org.apache.camel.component.jms.JmsEndpoint;
import org.springframework.transaction.TransactionStatus;

/**
 * camel-jms's listener container, committing its transacted session once per batch instead of
 * once per message. Every message of a batch is fully processed (its sends, accounting and events
 * done) before the commit that acks them all, so nothing leaves the broker before its outcome is
 * recorded; a crash rolls the whole batch back and it is processed again.
 *
 * <p>A batch ends at {@code maxMessages}, at {@code maxAge}, as soon as no further message is
 * waiting (a listener never blocks on an empty queue holding uncommitted work), before a message
 * that may not finish within the batch's remaining age (the last one took longer, or the queue's
 * {@link WaitForecast} sees a wait ahead), before a paced queue's next slot (its
 * {@link QueuePacing}: a consumer with nothing pending waits for the slot before it receives, so
 * a waiting line leaves its mail on the queue), and when the container stops. Acks are never
 * committed from another thread: JMS sessions are single-threaded, and a commit acks every
 * message received on the session, the one in progress too. One commit is one journal sync and
 * one round trip, the largest fixed cost of a message here.
 */
class BatchCommitContainer extends DefaultJmsMessageListenerContainer {

    private final CommitBatching batching;
    /** The batch of the session this invoker thread works on (one session per thread). */
    private final ThreadLocal<CommitBatch> current = new ThreadLocal<>();
    private volatile QueuePacing.Turns turns;
    /** The bulk share of the session this invoker thread works on, when priority gives bulk one. */
    private final ThreadLocal<BulkTurns> bulk = new ThreadLocal<>();

    BatchCommitContainer(JmsEndpoint endpoint, CommitBatching batching) {
        super(endpoint);
        this.batching = batching;
    }

    @Override
    protected Session createSession(Connection con) throws JMSException {
        Session session = super.createSession(con);
        if (!session.getTransacted()) {
            return session;
        }
        Session batched = CommitBatch.wrap(session, batching.beforeCommit());
        CommitBatch batch = CommitBatch.of(batched);
        current.set(batch); // the invoker thread that will receive on it
        BulkTurns share = BulkTurns.open(batched, getDestinationName(), batching.priority());
        if (share != null) {
            batch.onClose(share::close);
        }
        bulk.set(share);
        return batched;
    }

    /** The queue's turns, found once: the destination is fixed for the container's life. */
    private QueuePacing.Turns turns() {
        QueuePacing.Turns t = turns;
        if (t == null) {
            t = batching.turnsOf(getDestinationName());
            turns = t;
        }
        return t;
    }

    /** Whatever happened to the message (nothing came, it failed, it was done), its turn is given back. */
    @Override
    protected boolean doReceiveAndExecute(Object invoker, Session session, MessageConsumer consumer,
            TransactionStatus status) throws JMSException {
        try {
            return super.doReceiveAndExecute(invoker, session, consumer, status);
        } finally {
            turns().pass();
        }
    }

    @Override
    protected Message receiveMessage(MessageConsumer consumer) throws JMSException {
        CommitBatch open = current.get();
        QueuePacing.Turns turns = turns();
        Message next;
        if (open != null && open.hasPending()) {
            // null ends the batch: the container then calls commitIfNecessary(session, null)
            if (!open.mayTakeAnother(batching.maxAgeNanos()) || batching.nextWouldWait(getDestinationName())
                    || !turns.tryNow()) {
                return null;
            }
            next = receive(consumer, false);
        } else {
            try {
                // a paced line takes its next message only when that message's slot comes
                if (!turns.await(this::isRunning)) {
                    return null;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            next = receive(consumer, true);
            try {
                if (next != null && !turns.hold(this::isRunning)) {
                    return null; // stopping: unacked, it goes back to the queue with the session
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        if (next != null && open != null) {
            open.taken();
        }
        return next;
    }

    /** The next message: bulk first on bulk's turn (see {@link BulkTurns}), else the queue's first. */
    private Message receive(MessageConsumer consumer, boolean mayBlock) throws JMSException {
        BulkTurns share = bulk.get();
        if (share == null) {
            return mayBlock ? super.receiveMessage(consumer) : consumer.receiveNoWait();
        }
        Message m = share.bulkFirst();
        if (m != null) {
            return m;
        }
        return share.afterPlain(mayBlock ? super.receiveMessage(consumer) : consumer.receiveNoWait());
    }

    /**
     * Sets how many consumers this container runs, at run time (max-smtp-out raised or lowered).
     * Fewer: the surplus invokers end after their current receive (Spring's own check against the
     * maximum). More: Spring would add one invoker per received message, and only while none is
     * idle; here they are scheduled at once, so a line raised from 1 to 4 sends on 4 sessions
     * with its next messages.
     */
    synchronized void consumers(int count) {
        int n = Math.max(1, count);
        setConcurrentConsumers(n); // first: the maximum is never set below it
        setMaxConcurrentConsumers(n);
        if (!isRunning()) {
            return; // the next start schedules concurrentConsumers invokers
        }
        int idleLimit = getIdleConsumerLimit();
        setIdleConsumerLimit(Math.max(idleLimit, n)); // new invokers count as idle until they receive
        try {
            for (int i = getScheduledConsumerCount(); i < n; i++) {
                scheduleNewInvokerIfAppropriate();
            }
        } finally {
            setIdleConsumerLimit(idleLimit);
        }
    }

    @Override
    protected void commitIfNecessary(Session session, Message message) throws JMSException {
        CommitBatch batch = CommitBatch.of(session);
        if (batch == null) {
            super.commitIfNecessary(session, message);
            return;
        }
        current.set(batch);
        if (message != null && batch.addAndMayWait(batching.maxMessages(), batching.maxAgeNanos())
                && isRunning()) {
            return;
        }
        if (batch.hasPending()) {
            int messages = batch.pending();
            batch.commit();
            batching.committed(messages);
        }
    }

    @Override
    protected void rollbackOnExceptionIfNecessary(Session session, Throwable ex) throws JMSException {
        rolledBack(session);
        super.rollbackOnExceptionIfNecessary(session, ex);
    }

    @Override
    protected void rollbackIfNecessary(Session session) throws JMSException {
        rolledBack(session);
        super.rollbackIfNecessary(session);
    }

    private void rolledBack(Session session) {
        CommitBatch batch = CommitBatch.of(session);
        if (batch != null) {
            batch.rolledBack(batching.maxMessages());
        }
    }
}
