package org.caravan.suppression;

import java.util.List;
import java.util.Set;

import org.caravan.outcome.BounceCategory;
import org.caravan.outcome.DeliveryOutcome;
import org.caravan.outcome.OutcomeListener;
import org.caravan.outcome.OutcomeType;

/** Adds the recipient of a bounce in one of the chosen categories, for every sender. */
public class HardBounceSuppressor implements OutcomeListener {

    private final SuppressionStore store;
    private final Set<BounceCategory> categories;

    public HardBounceSuppressor(SuppressionStore store, Set<BounceCategory> categories) {
        this.store = store;
        this.categories = Set.copyOf(categories);
    }

    @Override
    public void recorded(List<DeliveryOutcome> outcomes) {
        for (DeliveryOutcome o : outcomes) {
            if (o.type() == OutcomeType.BOUNCED && o.bounceCategory() != null && categories.contains(o.bounceCategory())
                    && !o.recipient().isEmpty()) {
                store.add(SuppressionStore.ALL, o.recipient(), o.timestamp());
            }
        }
    }
}
