package org.caravan.outcome;

import java.util.List;

/**
 * Told of every batch of outcomes once accounting holds them: metrics, the queue console's
 * activity. Called on a delivery or intake consumer's thread inside its broker transaction, so
 * it must be quick and must not throw (a throw is logged and ignored: the mail was already sent).
 */
@FunctionalInterface
public interface OutcomeListener {

    void recorded(List<DeliveryOutcome> outcomes);
}
