package org.caravan.config;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import org.caravan.outcome.BounceCategory;

/**
 * The top-level suppression: block. enabled: hard bounces feed the list and intake checks it;
 * categories: the bounce categories that add their recipient; file: the store, under the data dir.
 */
public record SuppressionSettings(boolean enabled, Set<BounceCategory> categories, Path file) {

    public static final SuppressionSettings DEFAULT = new SuppressionSettings(true,
            EnumSet.of(BounceCategory.BAD_MAILBOX, BounceCategory.BAD_DOMAIN), Path.of("suppression", "suppression.mv"));

    public SuppressionSettings {
        categories = Set.copyOf(categories);
    }
}
