package org.caravan.outcome;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.jms.support.destination.DestinationResolver;

/**
 * Records outcomes: accounting first (the operator's record of truth), then one event each on
 * the mail.events topic. Called on the consumer's thread inside its broker transaction, so the
 * events go out with the commit; the commit batcher syncs accounting before that commit. Never
 * throws for a failed write: once SMTP has run, a throw would roll back the transaction and send
 * the mail again.
 */
public class OutcomeRecorder {

    public static final String EVENTS_TOPIC = "mail.events";

    private static final Logger LOG = LoggerFactory.getLogger(OutcomeRecorder.class);

    private final AccountingLog accounting;
    private final EventJson json = new EventJson();
    private final JmsTemplate events;
    private final List<OutcomeListener> listeners = new CopyOnWriteArrayList<>();
    private volatile java.util.function.BooleanSupplier watched = () -> true;

    public OutcomeRecorder(AccountingLog accounting, ConnectionFactory connectionFactory,
            DestinationResolver destinations) {
        this.accounting = accounting;
        this.events = new JmsTemplate(connectionFactory);
        events.setDestinationResolver(destinations);
        events.setPubSubDomain(true);
        events.setDefaultDestinationName(EVENTS_TOPIC);
        // events are a live feed for watchers; the durable record is accounting
        events.setExplicitQosEnabled(true);
        events.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
        events.setSessionTransacted(true);
    }

    /**
     * Whether anyone subscribes to mail.events right now (the embedded broker knows; with an
     * external broker, always). Events are non-persistent: a watcher gets those published after
     * it subscribed, so with nobody subscribed none is built or sent (17% of a delivery
     * consumer's CPU samples in the benchmark went to events nobody received).
     */
    public void watchedWhen(java.util.function.BooleanSupplier watched) {
        this.watched = watched;
    }

    /** Adds a listener told of every outcome after accounting (metrics, the queue console). */
    public void listen(OutcomeListener listener) {
        listeners.add(listener);
    }

    public void record(List<DeliveryOutcome> outcomes) {
        if (outcomes.isEmpty()) {
            return;
        }
        accounting.record(outcomes);
        for (OutcomeListener listener : listeners) {
            try {
                listener.recorded(outcomes);
            } catch (RuntimeException e) {
                LOG.warn("outcome listener {} failed: {}", listener, e.toString());
            }
        }
        if (!watched.getAsBoolean()) {
            return;
        }
        try {
            for (DeliveryOutcome o : outcomes) {
                String text = json.toJson(o);
                events.send(session -> session.createTextMessage(text));
            }
        } catch (RuntimeException e) {
            // events are a live feed (non-persistent); accounting already holds the outcome
            LOG.warn("cannot publish outcome events of {}: {}", outcomes.get(0).messageId(), e.toString());
        }
    }

    /** Publishes a warning event (no accounting record: nothing happened to a recipient). */
    public void warn(ComplianceWarning warning) {
        publish(warning.toJson(), "the warning event of " + warning.messageId());
    }

    /** Publishes one event that is no recipient's outcome (a warning, a line's change of mode). */
    public void publish(String eventJson, String what) {
        if (!watched.getAsBoolean()) {
            return;
        }
        try {
            events.send(session -> session.createTextMessage(eventJson));
        } catch (RuntimeException e) {
            LOG.warn("cannot publish {}: {}", what, e.toString());
        }
    }

    /** Blocks while accounting cannot be written, so that no more mail goes out unrecorded. */
    public void awaitAccounting() {
        accounting.awaitWritable();
    }

    /** True while accounting cannot be written. */
    public boolean accountingFailing() {
        return accounting.failure() != null;
    }
}
